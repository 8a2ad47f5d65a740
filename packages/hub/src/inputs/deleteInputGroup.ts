import { isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError } from '../errors.ts';
import { refuseDealTask } from '../market/dealTaskGuard.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';

/**
 * Deletes an input group of the caller's program with its task, replicas and results; their blobs are
 * released by the database's triggers in the same transaction.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND
 */
export async function deleteInputGroup(
  ctx: HubContext,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<void> {
  await requireOwnProgram(ctx.programs, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  await refuseDealTask(ctx.store, inputGroupId, `Input group ${inputGroupId}`);
  const deleted = await ctx.store.query(
    `DELETE FROM input_group g WHERE g.input_group_id = $1 AND g.program_id = $2
        AND NOT EXISTS (SELECT 1 FROM task t WHERE t.task_id = g.input_group_id AND t.deal_id IS NOT NULL)`,
    [inputGroupId, programId],
  );
  if (deleted.rowCount === 0) throw new InputGroupNotFoundError({ inputGroupId, programId });
}
