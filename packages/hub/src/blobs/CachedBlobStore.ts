import { assert } from '@proofgrid/core';
import type { BlobStore } from './BlobStore.ts';

/**
 * Keeps recently read blobs in memory, least recently used out first, up to `bytesMax`. Blobs are immutable
 * (their name is their hash), so a cached copy is never stale. The reservation path reads the same program
 * archive for every task; this keeps that off the disk.
 */
export class CachedBlobStore implements BlobStore {
  readonly #inner: BlobStore;
  readonly #bytesMax: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(options: { bytesMax: number }, deps: { inner: BlobStore }) {
    assert(options.bytesMax >= 0, 'cache size is not negative');
    this.#bytesMax = options.bytesMax;
    this.#inner = deps.inner;
  }

  put(bytes: Uint8Array): Promise<{ hash: string; sizeBytes: number }> {
    return this.#inner.put(bytes);
  }

  async get(hash: string): Promise<Uint8Array> {
    const cached = this.#entries.get(hash);
    if (cached !== undefined) {
      this.#entries.delete(hash);
      this.#entries.set(hash, cached);
      return cached;
    }
    const bytes = await this.#inner.get(hash);
    this.#remember(hash, bytes);
    return bytes;
  }

  async delete(hash: string, options: { writtenBeforeMs: number }): Promise<boolean> {
    const deleted = await this.#inner.delete(hash, options);
    if (deleted) this.#forget(hash);
    return deleted;
  }

  #remember(hash: string, bytes: Uint8Array): void {
    if (bytes.length > this.#bytesMax / 4) return; // one huge blob must not flush everything else
    this.#forget(hash);
    this.#entries.set(hash, bytes);
    this.#bytes += bytes.length;
    for (const [oldest, value] of this.#entries) {
      if (this.#bytes <= this.#bytesMax) break;
      this.#entries.delete(oldest);
      this.#bytes -= value.length;
    }
    assert(this.#bytes <= this.#bytesMax, 'cache stays within its size');
  }

  #forget(hash: string): void {
    const previous = this.#entries.get(hash);
    if (previous === undefined) return;
    this.#entries.delete(hash);
    this.#bytes -= previous.length;
  }
}
