import { createHash } from 'node:crypto';
import { MicroBatcher } from '../batching/MicroBatcher.ts';
import type { Queryable, Store } from '../store/Store.ts';
import type { BlobStore } from './BlobStore.ts';

/**
 * Stores blobs, marking each as garbage until a row references it: the sweep deletes it after the grace
 * period unless something does by then. So a blob whose transaction then fails, or whose hub dies before
 * recording it, is not left behind. Concurrent writes share one marking statement (one commit, where a
 * PostgreSQL server flushes its log).
 */
export class BlobWrites {
  readonly #blobs: BlobStore;
  readonly #marks: MicroBatcher<string, null>;

  constructor(
    options: { batchSizeMax: number; queuedMax: number },
    deps: { store: Store; blobs: BlobStore },
  ) {
    this.#blobs = deps.blobs;
    this.#marks = new MicroBatcher(options, {
      execute: async (hashes) => {
        const mark = (db: Queryable) => db.query('SELECT release_blobs($1::text[])', [hashes]);
        // A PostgreSQL server need not wait for its log to reach the disk for a mark: the commit of the
        // row that references the blob flushes the mark with it, and if that never comes, a crash of the
        // database at that moment costs a stray blob file, not a record. PGlite has no such wait to skip.
        if (deps.store.driver === 'pglite') await mark(deps.store);
        else
          await deps.store.transaction(async (tx) => {
            await tx.query('SET LOCAL synchronous_commit = off');
            await mark(tx);
          });
        return hashes.map(() => ({ ok: true, value: null }));
      },
    });
  }

  /** Marks, then writes the blob (flushed before it is renamed into place); returns its address. */
  async put(bytes: Uint8Array): Promise<{ hash: string; sizeBytes: number }> {
    await this.#marks.submit(createHash('sha256').update(bytes).digest('hex'));
    return this.#blobs.put(bytes);
  }
}
