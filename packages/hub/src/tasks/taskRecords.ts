import { assert, type JudgementCode, type TaskEvent, type TaskState, transitionTask } from '@proofgrid/core';
import { TaskStateConflictError } from '../errors.ts';
import type { Queryable } from '../store/Store.ts';

/** A task as the scheduler reads it (locked, inside a transaction). */
export type TaskRow = {
  task_id: string;
  program_id: string;
  runtime: string;
  state: TaskState;
  attempt: number;
  replicas_wanted: number;
};

const TASK_COLUMNS = 'task_id, program_id, runtime, state, attempt, replicas_wanted';

/** Locks a task's row for the rest of the transaction: every change to its replicas happens under it. */
export async function lockTask(tx: Queryable, taskId: string): Promise<TaskRow | undefined> {
  const found = await tx.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM task WHERE task_id = $1 FOR UPDATE`, [
    taskId,
  ]);
  return found.rows[0];
}

/** What a transition also sets on the task; a field left out keeps its value. */
export type TransitionChanges = {
  /** The result it now holds (or `null`: none any more). */
  accepted?: { replicaId: string; resultHash: string } | null;
  failureReason?: string | null;
  attempt?: number;
  replicasWanted?: number;
};

export type Transition = {
  task: Pick<TaskRow, 'task_id' | 'program_id' | 'state' | 'attempt'>;
  event: TaskEvent;
  /** Why, in words: kept in the task's history. */
  reason: string | null;
  changes?: TransitionChanges;
};

/**
 * Moves tasks by core's state machine and records each move in `task_event`, in the caller's transaction.
 * A move the machine refuses throws, with why, before anything is written.
 *
 * @throws PROOF_NOT_FOUND, PROOF_ALREADY_CONFIRMED, TASK_STATE_CONFLICT (see `TaskStateConflictError`)
 */
export async function applyTransitions(
  tx: Queryable,
  transitions: readonly Transition[],
  now: Date,
): Promise<TaskState[]> {
  const next = transitions.map(({ task, event }) => {
    const moved = transitionTask(task.state, event);
    if (!moved.ok)
      throw new TaskStateConflictError({
        inputGroupId: task.task_id,
        state: task.state,
        refusal: moved.refusal,
      });
    return moved.state;
  });
  if (transitions.length === 0) return next;
  const keep = (value: unknown) => (value === undefined ? 'keep' : 'set');
  const rows = transitions.map(({ task, changes = {} }, i) => ({
    id: task.task_id,
    state: next[i],
    acceptedMode: keep(changes.accepted),
    acceptedReplica: changes.accepted?.replicaId ?? null,
    resultHash: changes.accepted?.resultHash ?? null,
    failureMode: keep(changes.failureReason),
    failureReason: changes.failureReason ?? null,
    attempt: changes.attempt ?? task.attempt,
    replicasWanted: changes.replicasWanted ?? null,
  }));
  // One statement moves the tasks and records the moves: the events are written for the tasks moved.
  const recorded = await tx.query(
    `WITH moved AS (
       UPDATE task t SET state = u.state, updated_at = $1,
              decided_at = CASE WHEN u.state = 'open' THEN NULL WHEN u.state = 'confirmed' THEN t.decided_at ELSE $1 END,
              confirmed_at = CASE WHEN u.state = 'confirmed' THEN coalesce(t.confirmed_at, $1) ELSE NULL END,
              accepted_replica_id = CASE WHEN u.accepted_mode = 'set' THEN u.accepted_replica ELSE t.accepted_replica_id END,
              result_hash = CASE WHEN u.accepted_mode = 'set' THEN u.result_hash ELSE t.result_hash END,
              failure_reason = CASE WHEN u.failure_mode = 'set' THEN u.failure_reason ELSE t.failure_reason END,
              attempt = u.attempt,
              replicas_wanted = coalesce(u.replicas_wanted, t.replicas_wanted)
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[])
              AS u(task_id, state, accepted_mode, accepted_replica, result_hash, failure_mode, failure_reason, attempt, replicas_wanted)
        WHERE t.task_id = u.task_id
        RETURNING t.task_id)
     INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
     SELECT e.task_id, e.program_id, e.attempt, e.event, e.from_state, e.to_state, e.reason, $1
       FROM unnest($2::uuid[], $11::uuid[], $9::int[], $12::text[], $13::text[], $3::text[], $14::text[])
            AS e(task_id, program_id, attempt, event, from_state, to_state, reason)
       JOIN moved ON moved.task_id = e.task_id`,
    [
      now,
      rows.map((row) => row.id),
      rows.map((row) => row.state),
      rows.map((row) => row.acceptedMode),
      rows.map((row) => row.acceptedReplica),
      rows.map((row) => row.resultHash),
      rows.map((row) => row.failureMode),
      rows.map((row) => row.failureReason),
      rows.map((row) => row.attempt),
      rows.map((row) => row.replicasWanted),
      transitions.map(({ task }) => task.program_id),
      transitions.map(({ event }) => event),
      transitions.map(({ task }) => task.state),
      transitions.map(({ reason }) => reason),
    ],
  );
  assert(
    recorded.rowCount === transitions.length,
    'a transition moves a task that exists (its row is locked), once',
  );
  return next;
}

/** One judgement of one replica (see core's `JUDGEMENT_CODES`). */
export type JudgementRecord = {
  taskId: string;
  programId: string;
  replicaId: string | null;
  workerId: string | null;
  attempt: number;
  code: JudgementCode;
  reasonCode: string | null;
  reason: string;
};

/**
 * Appends judgements, in the caller's transaction (the one of the change they explain). Returns their ids by
 * replica, so payments can name the judgement they rest on.
 */
export async function recordJudgements(
  tx: Queryable,
  records: readonly JudgementRecord[],
  now: Date,
): Promise<Map<string, number>> {
  if (records.length === 0) return new Map();
  const recorded = await tx.query<{ judgement_id: string; replica_id: string | null }>(
    `INSERT INTO judgement (task_id, program_id, replica_id, worker_id, attempt, code, reason_code, reason, created_at)
     SELECT *, $1::timestamptz FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::int[], $7::text[], $8::text[], $9::text[])
     RETURNING judgement_id::text, replica_id`,
    [
      now,
      records.map((record) => record.taskId),
      records.map((record) => record.programId),
      records.map((record) => record.replicaId),
      records.map((record) => record.workerId),
      records.map((record) => record.attempt),
      records.map((record) => record.code),
      records.map((record) => record.reasonCode),
      records.map((record) => record.reason),
    ],
  );
  const ids = new Map<string, number>();
  for (const row of recorded.rows)
    if (row.replica_id !== null) ids.set(row.replica_id, Number(row.judgement_id));
  return ids;
}
