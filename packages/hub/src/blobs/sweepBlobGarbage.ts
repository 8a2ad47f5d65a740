import { BLOB_GARBAGE_SWEEP_BATCH_MAX } from '../constants.ts';
import type { HubDeps } from '../deps.ts';

/** Hashes checked for references by one statement. */
const CHECK_BATCH_MAX = 500;

/** Of the given blobs, those no row references any more. */
const UNREFERENCED_SQL = `SELECT h AS blob_hash FROM unnest($1::text[]) AS h
  WHERE NOT EXISTS (SELECT 1 FROM program WHERE blob_hash = h)
    AND NOT EXISTS (SELECT 1 FROM replica WHERE output_blob_hash = h)
    AND NOT EXISTS (SELECT 1 FROM replica WHERE evidence_blob_hash = h)`;

/**
 * Deletes released blobs that nothing references any more and nobody has written for the grace period
 * (an upload of the same bytes may be between writing the blob and recording its row). A blob is released
 * when a row stops referencing it (triggers, in the same transaction) and when it is written (`BlobWrites`),
 * so a blob whose row never came is deleted too. Returns how many blobs were deleted; bounded per call.
 */
export async function sweepBlobGarbage(
  { store, blobs, clock }: Pick<HubDeps, 'store' | 'blobs' | 'clock'>,
  { graceMs }: { graceMs: number },
): Promise<number> {
  const cutoff = new Date(clock.nowMs() - graceMs);
  const due = await store.query<{ blob_hash: string }>(
    'SELECT blob_hash FROM blob_garbage WHERE released_at <= $1 ORDER BY released_at LIMIT $2',
    [cutoff, BLOB_GARBAGE_SWEEP_BATCH_MAX],
  );
  let deleted = 0;
  for (let start = 0; start < due.rows.length; start += CHECK_BATCH_MAX) {
    const hashes = due.rows.slice(start, start + CHECK_BATCH_MAX).map((row) => row.blob_hash);
    const unreferenced = await store.query<{ blob_hash: string }>(UNREFERENCED_SQL, [hashes]);
    for (const { blob_hash } of unreferenced.rows)
      if (await blobs.delete(blob_hash, { writtenBeforeMs: cutoff.getTime() })) deleted += 1;
    // A blob released or written again since the cutoff keeps its row for a later sweep.
    await store.query('DELETE FROM blob_garbage WHERE blob_hash = ANY($1::text[]) AND released_at <= $2', [
      hashes,
      cutoff,
    ]);
  }
  return deleted;
}
