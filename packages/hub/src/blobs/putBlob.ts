import { createHash } from 'node:crypto';
import type { Queryable } from '../store/Store.ts';
import type { BlobStore } from './BlobStore.ts';

/**
 * Stores a blob and marks it as garbage until a row references it: the sweep deletes it after the grace
 * period unless something does by then. So a blob whose transaction then fails, or whose hub dies before
 * recording it, is not left behind.
 */
export async function putBlob(
  { store, blobs }: { store: Queryable; blobs: BlobStore },
  bytes: Uint8Array,
): Promise<{ hash: string; sizeBytes: number }> {
  const hash = createHash('sha256').update(bytes).digest('hex');
  await store.query('SELECT release_blobs($1::text[])', [[hash]]);
  return blobs.put(bytes);
}
