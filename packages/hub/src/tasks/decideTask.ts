import { decideReplicaVerdict, type ReplicaVerdict, type TaskEvent } from '@proofgrid/core';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import { applyTransitions, type JudgementRecord, recordJudgements, type TaskRow } from './taskRecords.ts';

type ReplicaVote = {
  replica_id: string;
  worker_id: string | null;
  state: 'leased' | 'submitted';
  result_hash: string | null;
  lease_expires_at: Date;
  handoff_of: string | null;
  handoff_worker_id: string | null;
  fuel_used: string | null;
  exit_code: number | null;
  failure_code: string | null;
  failure_message: string | null;
};

/**
 * Decides a task from its current attempt's replicas, as its program's policy says (core's
 * `decideReplicaVerdict`), inside the transaction that recorded the newest result, with the task locked.
 * An accepted result verifies the task (or, when it is a failure every agreeing replica reached, fails
 * it; or, for a program its organization verifies, proposes it); agreeing replicas are judged `agreed`,
 * the others `outvoted`. Disagreement asks for another replica; a vote that can no longer be won fails
 * the task.
 */
export async function decideTask(
  tx: Queryable,
  { task, program, now }: { task: TaskRow; program: ProgramFact; now: Date },
): Promise<ReplicaVerdict['decision']> {
  const found = await tx.query<ReplicaVote>(
    `SELECT r.replica_id, r.worker_id, r.state, r.result_hash, r.lease_expires_at, r.handoff_of, h.worker_id AS handoff_worker_id,
            r.fuel_used::text AS fuel_used, r.exit_code, r.failure_code, r.failure_message
       FROM replica r LEFT JOIN replica h ON h.replica_id = r.handoff_of
      WHERE r.task_id = $1 AND r.attempt = $2 AND r.state IN ('submitted', 'leased')
      ORDER BY r.submitted_at NULLS LAST, r.replica_id`,
    [task.task_id, task.attempt],
  );
  const submitted = found.rows.filter((row) => row.state === 'submitted' && row.result_hash !== null);
  const verdict = decideReplicaVerdict(program.policy, {
    // Anonymous donors have no worker id: each replica stands for itself.
    results: submitted.map((row) => ({
      workerId: row.worker_id ?? row.replica_id,
      resultHash: row.result_hash ?? '',
    })),
    inFlight: found.rows.filter((row) => row.state === 'leased' && row.lease_expires_at > now).length,
  });
  if (verdict.decision === 'accept') {
    const agreeing = submitted.filter((row) => row.result_hash === verdict.resultHash);
    const accepted = agreeing[0];
    if (accepted === undefined) throw new Error('an accepted result has a replica that produced it');
    const failed = accepted.failure_code !== null || (accepted.exit_code ?? 0) !== 0;
    const event: TaskEvent = failed
      ? 'failure_agreed'
      : program.policy.policy === 'owner'
        ? 'result_proposed'
        : 'result_accepted';
    const failureReason = failed ? describeFailure(accepted, agreeing.length) : null;
    await applyTransitions(
      tx,
      [
        {
          task,
          event,
          reason:
            failureReason ??
            `accepted by the ${program.policy.policy} policy with ${agreeing.length} agreeing result(s)`,
          changes: {
            accepted: { replicaId: accepted.replica_id, resultHash: verdict.resultHash },
            failureReason,
          },
        },
      ],
      now,
    );
    // The organization judges what its own policy proposes; nobody is judged before it does.
    if (event !== 'result_proposed')
      await recordJudgements(tx, voteJudgements(task, program, submitted, verdict.resultHash), now);
  } else if (verdict.decision === 'add_replica') {
    await tx.query('UPDATE task SET replicas_wanted = $2, updated_at = $3 WHERE task_id = $1', [
      task.task_id,
      submitted.length +
        found.rows.filter((row) => row.state === 'leased' && row.lease_expires_at > now).length +
        1,
      now,
    ]);
  } else if (verdict.decision === 'fail') {
    await applyTransitions(
      tx,
      [
        {
          task,
          event: 'quorum_impossible',
          reason: verdict.reason,
          changes: { failureReason: verdict.reason },
        },
      ],
      now,
    );
  }
  return verdict.decision;
}

function voteJudgements(
  task: TaskRow,
  program: ProgramFact,
  submitted: ReplicaVote[],
  resultHash: string,
): JudgementRecord[] {
  const base = {
    taskId: task.task_id,
    programId: program.programId,
    attempt: task.attempt,
    reasonCode: null,
  };
  return submitted.flatMap((row): JudgementRecord[] => {
    if (row.result_hash !== resultHash)
      return [
        {
          ...base,
          replicaId: row.replica_id,
          workerId: row.worker_id,
          code: 'outvoted',
          reason: 'the quorum accepted another result',
        },
      ];
    const own: JudgementRecord = {
      ...base,
      replicaId: row.replica_id,
      workerId: row.worker_id,
      code: 'agreed',
      reason: 'its result was accepted',
    };
    // The artifact this result was made from was right: the replica that handed it over shares the credit.
    if (row.handoff_of === null) return [own];
    return [
      own,
      {
        ...base,
        replicaId: row.handoff_of,
        workerId: row.handoff_worker_id,
        code: 'agreed',
        reason: 'its witness was proven',
      },
    ];
  });
}

/** `FUEL_EXHAUSTED after 2,000,000 fuel (agreed by 2 workers)`, or the exit code of a run that exited non-zero. */
function describeFailure(accepted: ReplicaVote, agreeingCount: number): string {
  const fuel =
    accepted.fuel_used === null ? '' : ` after ${Number(accepted.fuel_used).toLocaleString('en-US')} fuel`;
  const agreed = `agreed by ${agreeingCount} worker${agreeingCount === 1 ? '' : 's'}`;
  if (accepted.failure_code === null) return `exited with code ${accepted.exit_code}${fuel} (${agreed})`;
  if (accepted.failure_code === 'NOIR_EXECUTION_FAILED')
    return `${accepted.failure_code}: ${accepted.failure_message ?? 'the program failed on this input'}`;
  const message =
    accepted.failure_code === 'WASM_TRAP' && accepted.failure_message ? `: ${accepted.failure_message}` : '';
  return `${accepted.failure_code}${fuel} (${agreed})${message}`;
}
