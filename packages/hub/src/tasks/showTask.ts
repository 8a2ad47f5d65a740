import { isUuid, type JudgementCode, type TaskState } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError } from '../errors.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import type { Step } from '../runtimes/HubRuntime.ts';
import { explainWaiting } from './explainWaiting.ts';

export type RunRecord = {
  fuelUsed: number | null;
  exitCode: number | null;
  failureCode: string | null;
  log: string | null;
};

export type ReplicaDetails = RunRecord & {
  replicaId: string;
  workerId: string | null;
  workerName: string | null;
  step: Step;
  state: string;
  attempt: number;
  leasedAt: Date;
  leaseExpiresAt: Date;
  submittedAt: Date | null;
  resultHash: string | null;
  judgements: { code: JudgementCode; reasonCode: string | null; reason: string; at: Date }[];
};

export type TaskDetails = {
  taskId: string;
  programId: string;
  name: string;
  state: TaskState;
  attempt: number;
  replicasWanted: number;
  createdAt: Date;
  decidedAt: Date | null;
  confirmedAt: Date | null;
  resultHash: string | null;
  failureReason: string | null;
  /** The accepted run (or the agreed failure). */
  run: RunRecord | null;
  replicas: ReplicaDetails[];
  history: {
    event: string;
    fromState: TaskState | null;
    toState: TaskState;
    reason: string | null;
    at: Date;
  }[];
  waitingReason: string | null;
};

/** Replicas shown per task at most (a task with more has had a rough life; the newest are shown). */
const REPLICAS_SHOWN_MAX = 200;
const EVENTS_SHOWN_MAX = 200;

/** Everything about one task of the caller's program. @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND */
export async function showTask(
  ctx: HubContext,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<TaskDetails> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const found = await ctx.store.query<{
    name: string;
    state: TaskState;
    attempt: number;
    replicas_wanted: number;
    created_at: Date;
    decided_at: Date | null;
    confirmed_at: Date | null;
    result_hash: string | null;
    failure_reason: string | null;
    accepted_replica_id: string | null;
  }>(
    `SELECT g.name, t.state, t.attempt, t.replicas_wanted, t.created_at, t.decided_at, t.confirmed_at, t.result_hash,
            t.failure_reason, t.accepted_replica_id
       FROM task t JOIN input_group g ON g.input_group_id = t.task_id WHERE t.task_id = $1 AND t.program_id = $2`,
    [inputGroupId, programId],
  );
  const task = found.rows[0];
  if (task === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const replicas = await ctx.store.query<{
    replica_id: string;
    worker_id: string | null;
    worker_name: string | null;
    step: Step;
    state: string;
    attempt: number;
    leased_at: Date;
    lease_expires_at: Date;
    submitted_at: Date | null;
    result_hash: string | null;
    fuel_used: string | null;
    exit_code: number | null;
    failure_code: string | null;
    log: string | null;
  }>(
    `SELECT * FROM (SELECT r.replica_id, r.worker_id, w.name AS worker_name, r.step, r.state, r.attempt, r.leased_at,
                           r.lease_expires_at, r.submitted_at, r.result_hash, r.fuel_used::text AS fuel_used, r.exit_code,
                           r.failure_code, r.log
                      FROM replica r LEFT JOIN worker w ON w.worker_id = r.worker_id
                     WHERE r.task_id = $1 ORDER BY r.leased_at DESC, r.replica_id LIMIT $2) newest
      ORDER BY leased_at, replica_id`,
    [inputGroupId, REPLICAS_SHOWN_MAX],
  );
  const judgements = await ctx.store.query<{
    replica_id: string;
    code: JudgementCode;
    reason_code: string | null;
    reason: string;
    created_at: Date;
  }>(
    'SELECT replica_id, code, reason_code, reason, created_at FROM judgement WHERE task_id = $1 ORDER BY judgement_id',
    [inputGroupId],
  );
  const events = await ctx.store.query<{
    event: string;
    from_state: TaskState | null;
    to_state: TaskState;
    reason: string | null;
    created_at: Date;
  }>(
    `SELECT event, from_state, to_state, reason, created_at FROM task_event WHERE task_id = $1
      ORDER BY event_id DESC LIMIT $2`,
    [inputGroupId, EVENTS_SHOWN_MAX],
  );
  const runOf = (row: (typeof replicas.rows)[number]): RunRecord => ({
    fuelUsed: row.fuel_used === null ? null : Number(row.fuel_used),
    exitCode: row.exit_code,
    failureCode: row.failure_code,
    log: row.log,
  });
  const accepted = replicas.rows.find((row) => row.replica_id === task.accepted_replica_id);
  const now = ctx.clock.nowMs();
  const running = replicas.rows.some(
    (row) => row.attempt === task.attempt && row.state === 'leased' && row.lease_expires_at.getTime() > now,
  );
  const waiting =
    task.state === 'open' || task.state === 'proven'
      ? await explainWaiting(ctx, {
          program,
          taskId: inputGroupId,
          waiting: task.state === 'open' && !running ? 1 : 0,
          proven: task.state === 'proven' ? 1 : 0,
        })
      : null;
  return {
    taskId: inputGroupId,
    programId,
    name: task.name,
    state: task.state,
    attempt: task.attempt,
    replicasWanted: task.replicas_wanted,
    createdAt: task.created_at,
    decidedAt: task.decided_at,
    confirmedAt: task.confirmed_at,
    resultHash: task.result_hash,
    failureReason: task.failure_reason,
    run: accepted === undefined ? null : runOf(accepted),
    replicas: replicas.rows.map((row) => ({
      ...runOf(row),
      replicaId: row.replica_id,
      workerId: row.worker_id,
      workerName: row.worker_name,
      step: row.step,
      state: row.state,
      attempt: row.attempt,
      leasedAt: row.leased_at,
      leaseExpiresAt: row.lease_expires_at,
      submittedAt: row.submitted_at,
      resultHash: row.result_hash,
      judgements: judgements.rows
        .filter((judgement) => judgement.replica_id === row.replica_id)
        .map((judgement) => ({
          code: judgement.code,
          reasonCode: judgement.reason_code,
          reason: judgement.reason,
          at: judgement.created_at,
        })),
    })),
    history: events.rows.reverse().map((row) => ({
      event: row.event,
      fromState: row.from_state,
      toState: row.to_state,
      reason: row.reason,
      at: row.created_at,
    })),
    waitingReason: waiting?.reason ?? null,
  };
}
