import { isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { ProgramNotFoundError } from '../errors.ts';

/**
 * A program's archive (a tar), readable by anyone: donors need the code they run. Asked of the database,
 * not the cache: a program deleted through another hub is gone here too.
 *
 * @throws PROGRAM_NOT_FOUND
 */
export async function readProgramArchive(ctx: HubContext, programId: string): Promise<Uint8Array> {
  const found = isUuid(programId)
    ? await ctx.store.query<{ blob_hash: string }>('SELECT blob_hash FROM program WHERE program_id = $1', [
        programId,
      ])
    : { rows: [] };
  const program = found.rows[0];
  if (program === undefined) throw new ProgramNotFoundError({ programId });
  return ctx.blobs.get(program.blob_hash);
}
