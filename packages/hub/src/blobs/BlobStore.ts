/** Where program archives, proofs and (later) outputs live, addressed by the SHA-256 of their bytes. */
export interface BlobStore {
  /** Stores `bytes` durably (on disk before it resolves) and returns their hash. Idempotent; refreshes the blob's write time. */
  put(bytes: Uint8Array): Promise<{ hash: string; sizeBytes: number }>;
  /** The bytes stored under `hash`; throws `BlobMissingError` if there are none. */
  get(hash: string): Promise<Uint8Array>;
  /**
   * Removes the blob if it was last written before `writtenBeforeMs` (a blob written since is in use
   * again); returns whether it did. A missing blob is not an error.
   */
  delete(hash: string, options: { writtenBeforeMs: number }): Promise<boolean>;
}

/** A blob the database references is not in the blob store: storage was lost or tampered with. */
export class BlobMissingError extends Error {
  override name = 'BlobMissingError';
  constructor(readonly hash: string) {
    super(`Blob ${hash} is missing from the blob store. Restore the data directory's blobs/ from a backup.`);
  }
}
