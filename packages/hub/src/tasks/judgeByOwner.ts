import { isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError } from '../errors.ts';
import { refuseDealTask } from '../market/dealTaskGuard.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { initialReplicas } from './initialReplicas.ts';
import { applyTransitions, lockTask, recordJudgements } from './taskRecords.ts';

/**
 * An organization's word on its task's result (seed 004's `DELETE` and `PATCH /program/proof/...`, for every
 * kind of program). Confirming keeps the result for good. Rejecting a result that is not confirmed drops it
 * (its blobs are released) and opens the task again at once, for any worker but the ones that submitted a
 * result in this attempt: their replicas stay, rejected, and keep their place.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (no result), PROOF_ALREADY_CONFIRMED
 */
export async function judgeByOwner(
  ctx: HubContext,
  {
    organizationId,
    programId,
    inputGroupId,
    decision,
  }: { organizationId: string; programId: string; inputGroupId: string; decision: 'confirm' | 'reject' },
): Promise<void> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const task = await lockTask(tx, inputGroupId);
    await refuseDealTask(tx, inputGroupId);
    if (task === undefined || task.program_id !== programId)
      throw new InputGroupNotFoundError({ inputGroupId, programId });
    const accepted = await tx.query<{ replica_id: string; worker_id: string | null }>(
      `SELECT r.replica_id, r.worker_id FROM replica r
        WHERE r.task_id = $1 AND r.attempt = $2 AND r.state = 'submitted'
          AND r.result_hash = (SELECT result_hash FROM task WHERE task_id = $1)`,
      [task.task_id, task.attempt],
    );
    const judgeAccepted = (code: 'owner_confirmed' | 'owner_rejected', reason: string) =>
      recordJudgements(
        tx,
        accepted.rows.map((row) => ({
          taskId: task.task_id,
          programId,
          attempt: task.attempt,
          reasonCode: null,
          replicaId: row.replica_id,
          workerId: row.worker_id,
          code,
          reason,
        })),
        now,
      );
    if (decision === 'confirm') {
      const wasConfirmed = task.state === 'confirmed';
      await applyTransitions(
        tx,
        [{ task, event: 'owner_confirmed', reason: 'confirmed by its organization' }],
        now,
      );
      if (!wasConfirmed) await judgeAccepted('owner_confirmed', 'its organization confirmed its result');
      return;
    }
    await applyTransitions(
      tx,
      [
        {
          task,
          event: 'owner_rejected',
          reason: 'rejected by its organization',
          changes: { accepted: null, failureReason: null, replicasWanted: initialReplicas(program.policy) },
        },
      ],
      now,
    );
    // Every result of the attempt stops counting, the outvoted ones too: they were judged when the vote
    // was counted, and a replica is judged once. Fresh replicas decide the task again.
    await tx.query(
      `UPDATE replica SET state = 'rejected', output = NULL, output_blob_hash = NULL, evidence_blob_hash = NULL
        WHERE task_id = $1 AND attempt = $2 AND state = 'submitted'`,
      [task.task_id, task.attempt],
    );
    await judgeAccepted('owner_rejected', 'its organization rejected its result');
  });
}
