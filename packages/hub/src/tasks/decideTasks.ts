import { decideReplicaVerdict, type ReplicaVerdict, type TaskEvent } from '@proofgrid/core';
import { dealTermsOf, decideDealTask, weightKey, workerWeights } from '../market/dealVotes.ts';
import { type Settlement, settleTasks } from '../market/settleTasks.ts';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import {
  applyTransitions,
  type JudgementRecord,
  recordJudgements,
  type TaskRow,
  type Transition,
} from './taskRecords.ts';

type ReplicaVote = {
  task_id: string;
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
 * Decides tasks from their current attempts' replicas, as their programs' policies say (core's
 * `decideReplicaVerdict`), inside the transaction that recorded their newest results, with the tasks
 * locked. An accepted result verifies its task (or, when it is a failure every agreeing replica reached,
 * fails it; or, for a program its organization verifies, proposes it); agreeing replicas are judged
 * `agreed`, the others `outvoted`. Disagreement asks for another replica; a vote that can no longer be won
 * fails the task. A few statements for the whole batch, whatever its size.
 */
export async function decideTasks(
  tx: Queryable,
  { tasks, now }: { tasks: readonly { task: TaskRow; program: ProgramFact }[]; now: Date },
): Promise<Map<string, ReplicaVerdict['decision']>> {
  const decisions = new Map<string, ReplicaVerdict['decision']>();
  if (tasks.length === 0) return decisions;
  const found = await tx.query<ReplicaVote>(
    `SELECT r.task_id, r.replica_id, r.worker_id, r.state, r.result_hash, r.lease_expires_at, r.handoff_of,
            h.worker_id AS handoff_worker_id, r.fuel_used::text AS fuel_used, r.exit_code, r.failure_code, r.failure_message
       FROM unnest($1::uuid[], $2::int[]) AS t(task_id, attempt)
       JOIN replica r ON r.task_id = t.task_id AND r.attempt = t.attempt
       LEFT JOIN replica h ON h.replica_id = r.handoff_of
      WHERE r.state IN ('submitted', 'leased')
      ORDER BY r.task_id, r.submitted_at NULLS LAST, r.replica_id`,
    [tasks.map(({ task }) => task.task_id), tasks.map(({ task }) => task.attempt)],
  );
  const votes = new Map<string, ReplicaVote[]>();
  for (const row of found.rows) {
    const list = votes.get(row.task_id);
    if (list === undefined) votes.set(row.task_id, [row]);
    else list.push(row);
  }
  const transitions: Transition[] = [];
  const judgements: JudgementRecord[] = [];
  const wanted: { taskId: string; replicas: number }[] = [];
  // Deal tasks vote by credibility at their deal's trust (a proof task still needs only its proof).
  const deals = await dealTermsOf(
    tx,
    tasks.map(({ task }) => task.task_id),
  );
  const weights = await workerWeights(
    tx,
    found.rows.flatMap((row) => {
      const terms = deals.get(row.task_id);
      return terms === undefined || row.worker_id === null
        ? []
        : [{ poolId: terms.poolId, workerId: row.worker_id }];
    }),
  );
  const weightOf = (row: ReplicaVote) => {
    const terms = deals.get(row.task_id);
    if (terms === undefined || row.worker_id === null) return 2;
    return weights.get(weightKey(terms.poolId, row.worker_id)) ?? 2;
  };
  const settling: { task: TaskRow; submitted: ReplicaVote[]; verdict: ReplicaVerdict }[] = [];
  for (const { task, program } of tasks) {
    const rows = votes.get(task.task_id) ?? [];
    const submitted = rows.filter((row) => row.state === 'submitted' && row.result_hash !== null);
    const inFlight = rows.filter((row) => row.state === 'leased' && row.lease_expires_at > now).length;
    // Anonymous donors have no worker id: each replica stands for itself.
    const results = submitted.map((row) => ({
      workerId: row.worker_id ?? row.replica_id,
      resultHash: row.result_hash ?? '',
    }));
    const terms = deals.get(task.task_id);
    const verdict =
      terms !== undefined && program.policy.policy !== 'proof'
        ? decideDealTask(terms, {
            results: results.map((result, i) => ({
              ...result,
              weight: weightOf(submitted[i] as ReplicaVote),
            })),
            inFlight,
          })
        : decideReplicaVerdict(program.policy, { results, inFlight });
    decisions.set(task.task_id, verdict.decision);
    if (terms !== undefined && (verdict.decision === 'accept' || verdict.decision === 'fail'))
      settling.push({ task, submitted, verdict });
    if (verdict.decision === 'accept') {
      const accepted = acceptance(task, program, submitted, verdict.resultHash);
      transitions.push(accepted.transition);
      judgements.push(...accepted.judgements);
    } else if (verdict.decision === 'add_replica')
      wanted.push({ taskId: task.task_id, replicas: submitted.length + inFlight + 1 });
    else if (verdict.decision === 'fail')
      transitions.push({
        task,
        event: 'quorum_impossible',
        reason: verdict.reason,
        changes: { failureReason: verdict.reason },
      });
  }
  await applyTransitions(tx, transitions, now);
  const judged = await recordJudgements(tx, judgements, now);
  await settleTasks(
    tx,
    settling.map(({ task, submitted, verdict }): Settlement => {
      const part = (row: ReplicaVote) => ({
        replicaId: row.replica_id,
        workerId: row.worker_id ?? row.replica_id,
        weight: weightOf(row),
        judgementId: judged.get(row.replica_id) ?? null,
      });
      if (verdict.decision !== 'accept')
        return {
          taskId: task.task_id,
          outcome: 'refunded',
          reason: verdict.decision === 'fail' ? verdict.reason : 'no verdict',
          resultHash: null,
          winners: [],
          losers: [],
        };
      return {
        taskId: task.task_id,
        outcome: 'paid',
        reason: `accepted by credibility consensus with ${verdict.agreeing.length} agreeing result(s)`,
        resultHash: verdict.resultHash,
        winners: submitted.filter((row) => row.result_hash === verdict.resultHash).map(part),
        losers: submitted.filter((row) => row.result_hash !== verdict.resultHash).map(part),
      };
    }),
    now,
  );
  if (wanted.length > 0)
    await tx.query(
      `UPDATE task t SET replicas_wanted = u.replicas, updated_at = $3
         FROM unnest($1::uuid[], $2::int[]) AS u(task_id, replicas) WHERE t.task_id = u.task_id`,
      [wanted.map((entry) => entry.taskId), wanted.map((entry) => entry.replicas), now],
    );
  return decisions;
}

/** The transition and judgements of a task whose vote accepted `resultHash`. */
function acceptance(
  task: TaskRow,
  program: ProgramFact,
  submitted: ReplicaVote[],
  resultHash: string,
): { transition: Transition; judgements: JudgementRecord[] } {
  const agreeing = submitted.filter((row) => row.result_hash === resultHash);
  const accepted = agreeing[0];
  if (accepted === undefined) throw new Error('an accepted result has a replica that produced it');
  const failed = accepted.failure_code !== null || (accepted.exit_code ?? 0) !== 0;
  const event: TaskEvent = failed
    ? 'failure_agreed'
    : program.policy.policy === 'owner'
      ? 'result_proposed'
      : 'result_accepted';
  const failureReason = failed ? describeFailure(accepted, agreeing.length) : null;
  const transition: Transition = {
    task,
    event,
    reason:
      failureReason ??
      `accepted by the ${program.policy.policy} policy with ${agreeing.length} agreeing result(s)`,
    changes: { accepted: { replicaId: accepted.replica_id, resultHash }, failureReason },
  };
  // The organization judges what its own policy proposes; nobody is judged before it does.
  if (event === 'result_proposed') return { transition, judgements: [] };
  const base = {
    taskId: task.task_id,
    programId: program.programId,
    attempt: task.attempt,
    reasonCode: null,
  };
  const judgements = submitted.flatMap((row): JudgementRecord[] => {
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
  return { transition, judgements };
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
