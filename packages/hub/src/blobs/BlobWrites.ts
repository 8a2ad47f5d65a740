import { createHash } from 'node:crypto';
import { MicroBatcher } from '../batching/MicroBatcher.ts';
import type { Queryable } from '../store/Store.ts';
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
    deps: { store: Queryable; blobs: BlobStore },
  ) {
    this.#blobs = deps.blobs;
    this.#marks = new MicroBatcher(options, {
      execute: async (hashes) => {
        // The mark's commit need not wait for a PostgreSQL server's log to reach the disk: the commit of
        // the row that references the blob flushes the mark with it, and if that never comes, a crash of
        // the database at that moment costs a stray blob file, not a record. (`set_config(…, true)` holds
        // for this statement's own transaction; PGlite accepts it and has no such wait.)
        await deps.store.query(
          "SELECT set_config('synchronous_commit', 'off', true), release_blobs($1::text[])",
          [hashes],
        );
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
