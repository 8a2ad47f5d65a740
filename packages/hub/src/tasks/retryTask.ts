import { isUuid, type TaskState } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError } from '../errors.ts';
import { refuseDealTask } from '../market/dealTaskGuard.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { initialReplicas } from './initialReplicas.ts';
import { applyTransitions, lockTask } from './taskRecords.ts';

/**
 * Runs a failed or cancelled task again as a new attempt: the replicas of earlier attempts stay as its
 * history but neither count nor bar anyone, so every worker may take it again.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, TASK_STATE_CONFLICT (not failed or cancelled),
 *   PROOF_ALREADY_CONFIRMED
 */
export async function retryTask(
  ctx: HubContext,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{ state: TaskState; attempt: number }> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const now = new Date(ctx.clock.nowMs());
  return ctx.store.transaction(async (tx) => {
    const task = await lockTask(tx, inputGroupId);
    await refuseDealTask(tx, inputGroupId);
    if (task === undefined || task.program_id !== programId)
      throw new InputGroupNotFoundError({ inputGroupId, programId });
    const attempt = task.attempt + 1;
    const [state] = await applyTransitions(
      tx,
      [
        {
          task,
          event: 'retried',
          reason: `attempt ${attempt}, asked for by its organization`,
          changes: {
            accepted: null,
            failureReason: null,
            attempt,
            replicasWanted: initialReplicas(program.policy),
          },
        },
      ],
      now,
    );
    return { state: state ?? 'open', attempt };
  });
}
