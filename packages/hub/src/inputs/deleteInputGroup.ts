import { isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError } from '../errors.ts';
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
  const deleted = await ctx.store.query(
    'DELETE FROM input_group WHERE input_group_id = $1 AND program_id = $2',
    [inputGroupId, programId],
  );
  if (deleted.rowCount === 0) throw new InputGroupNotFoundError({ inputGroupId, programId });
}
