import { BLOB_GARBAGE_GRACE_MS, BLOB_GARBAGE_SWEEP_BATCH_MAX } from '../constants.ts';
import type { HubDeps } from '../deps.ts';
import type { Queryable } from '../store/Store.ts';

/** The SQL that tells whether any row still references a blob. */
const BLOB_REFERENCED_SQL = `SELECT EXISTS (SELECT 1 FROM program WHERE blob_hash = $1)
  OR EXISTS (SELECT 1 FROM input_group WHERE proof_blob_hash = $1)
  OR EXISTS (SELECT 1 FROM replica WHERE output_blob_hash = $1 OR proof_blob_hash = $1 OR witness_blob_hash = $1) AS referenced`;

/**
 * Queues blobs whose reference was just dropped. Call inside the transaction that drops the reference, so
 * a crash cannot lose track of them.
 */
export async function releaseBlobs(
  tx: Queryable,
  hashes: readonly (string | null)[],
  now: Date,
): Promise<void> {
  for (const hash of new Set(hashes)) {
    if (hash === null) continue;
    await tx.query(
      'INSERT INTO blob_garbage (blob_hash, released_at) VALUES ($1, $2) ON CONFLICT (blob_hash) DO UPDATE SET released_at = $2',
      [hash, now],
    );
  }
}

/**
 * Deletes released blobs that nothing references any more and nobody has written for a grace period (an
 * upload of the same bytes may be between writing the blob and recording its row). Returns how many blobs
 * were deleted; bounded per call.
 */
export async function sweepBlobGarbage(deps: HubDeps): Promise<number> {
  const cutoff = new Date(deps.clock.nowMs() - BLOB_GARBAGE_GRACE_MS);
  const due = await deps.store.query<{ blob_hash: string }>(
    'SELECT blob_hash FROM blob_garbage WHERE released_at <= $1 ORDER BY released_at LIMIT $2',
    [cutoff, BLOB_GARBAGE_SWEEP_BATCH_MAX],
  );
  let deleted = 0;
  for (const { blob_hash } of due.rows) {
    const check = await deps.store.query<{ referenced: boolean }>(BLOB_REFERENCED_SQL, [blob_hash]);
    if (
      check.rows[0]?.referenced === false &&
      (await deps.blobs.delete(blob_hash, { writtenBeforeMs: cutoff.getTime() }))
    ) {
      deleted += 1;
    }
    await deps.store.query('DELETE FROM blob_garbage WHERE blob_hash = $1 AND released_at <= $2', [
      blob_hash,
      cutoff,
    ]);
  }
  return deleted;
}
