import type { HubContext } from '../context.ts';
import { ProgramNotFoundError } from '../errors.ts';
import { DealTaskLockedError } from '../market/dealTaskGuard.ts';
import { requireOwnProgram } from './requireOwnProgram.ts';

/**
 * Deletes a program with its input groups, tasks, replicas and results. Their blobs are released by the
 * database's triggers in the same transaction; judgements and task events stay (reputations rest on them).
 *
 * @throws PROGRAM_NOT_FOUND
 */
export async function deleteProgram(
  ctx: HubContext,
  { organizationId, programId }: { organizationId: string; programId: string },
): Promise<void> {
  await requireOwnProgram(ctx.programs, { organizationId, programId });
  const deals = await ctx.store.query('SELECT 1 FROM deal WHERE program_id = $1 LIMIT 1', [programId]);
  if (deals.rowCount > 0) throw new DealTaskLockedError({ what: `Program ${programId} (sold in deals)` });
  const deleted = await ctx.store.query(
    'DELETE FROM program WHERE program_id = $1 AND organization_id = $2',
    [programId, organizationId],
  );
  ctx.programs.forget(programId);
  if (deleted.rowCount === 0) throw new ProgramNotFoundError({ programId });
}
