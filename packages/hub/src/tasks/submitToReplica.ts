import { isProofGridError, isUuid, type ProofGridError } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { LeaseNotActiveError, SubmissionRejectedError } from '../errors.ts';
import { readInputValues } from '../inputs/readInputValues.ts';
import type { CheckContext, ProgramFact, Step, Submission, SubmissionCheck } from '../runtimes/HubRuntime.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import type { Queryable } from '../store/Store.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import {
  applyChecks,
  type CheckedItem,
  type CheckOutcome,
  type StoredCheck,
  storeCheck,
} from './applyChecks.ts';
import { recordJudgements, type TaskRow } from './taskRecords.ts';

/** A replica with what decides whether it may still take a submission. */
export type ReplicaState = {
  replica_id: string;
  task_id: string;
  program_id: string;
  worker_id: string | null;
  step: Step;
  state: string;
  attempt: number;
  lease_expires_at: Date;
  handoff_of: string | null;
  task_state: string;
  task_attempt: number;
};

const REPLICA_STATE_SQL = `SELECT r.replica_id, r.task_id, t.program_id, r.worker_id, r.step, r.state, r.attempt, r.lease_expires_at,
       r.handoff_of, t.state AS task_state, t.attempt AS task_attempt
  FROM replica r JOIN task t USING (task_id) WHERE r.replica_id = ANY($1::uuid[])`;

export async function loadReplica(
  db: Queryable,
  replicaId: string,
  { lock = false } = {},
): Promise<ReplicaState | undefined> {
  return (await loadReplicas(db, [replicaId], { lock })).get(replicaId);
}

/** Replicas by id (ids that are not UUIDs are simply not found), locked in a stable order when asked. */
export async function loadReplicas(
  db: Queryable,
  replicaIds: readonly string[],
  { lock = false } = {},
): Promise<Map<string, ReplicaState>> {
  const ids = [...new Set(replicaIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const found = await db.query<ReplicaState>(
    `${REPLICA_STATE_SQL}${lock ? ' ORDER BY r.replica_id FOR UPDATE OF r' : ''}`,
    [ids],
  );
  return new Map(found.rows.map((row) => [row.replica_id, row]));
}

const ENDED: Record<string, string> = {
  submitted: 'a result was already submitted under it',
  handed_off: 'its artifact was already handed off under it',
  lapsed: 'it expired',
  returned: 'it was given back',
  rejected: 'what was submitted under it was rejected',
};

/** Why a replica takes no submission from this holder now, or null when it does. */
export function whyNotLive(
  replica: ReplicaState | undefined,
  holder: string | null,
  now: Date,
): string | null {
  if (replica === undefined || replica.worker_id !== holder) return 'no such lease is held by its sender';
  if (replica.state !== 'leased') return ENDED[replica.state] ?? `it is ${replica.state}`;
  if (replica.lease_expires_at.getTime() <= now.getTime())
    return `it expired at ${replica.lease_expires_at.toISOString()}`;
  if (replica.task_attempt !== replica.attempt) return 'its task was started again since';
  if (replica.task_state !== 'open') return `its task is ${replica.task_state} and needs no more results`;
  return null;
}

/** What a runtime's check may look at, for one replica of one task. */
export function checkContext(
  ctx: HubContext,
  {
    program,
    taskId,
    step,
    handoffOf,
  }: { program: ProgramFact; taskId: string; step: Step; handoffOf: string | null },
): CheckContext {
  let inputs: Promise<Uint8Array[]> | undefined;
  return {
    program,
    step,
    inputValues: () => {
      inputs ??= readInputValues(ctx.store, taskId);
      return inputs;
    },
    handoff: async () => {
      if (handoffOf === null) return null;
      const found = await ctx.store.query<{ evidence_blob_hash: string | null }>(
        'SELECT evidence_blob_hash FROM replica WHERE replica_id = $1',
        [handoffOf],
      );
      const hash = found.rows[0]?.evidence_blob_hash ?? null;
      return hash === null ? null : ctx.blobs.get(hash);
    },
    acceptedBefore: async (sha256) => {
      const found = await ctx.store.query<{ task_id: string }>(
        'SELECT task_id FROM replica WHERE evidence_sha256 = $1 LIMIT 1',
        [sha256],
      );
      return found.rows[0]?.task_id ?? null;
    },
  };
}

/**
 * A runtime's check of a submission. Evidence that could not be checked (a verifier, storage or database
 * fault) changes nothing and blames nobody: the fault is recorded for the record, best effort, and the
 * error goes back so the submitter can send it again.
 */
export async function checkSubmission(
  ctx: HubContext,
  {
    program,
    replica,
    submission,
    now,
  }: {
    program: ProgramFact;
    replica: Pick<ReplicaState, 'replica_id' | 'task_id' | 'worker_id' | 'step' | 'handoff_of' | 'attempt'>;
    submission: Submission;
    now: Date;
  },
): Promise<SubmissionCheck> {
  try {
    return await ctx.runtimes.get(program.runtime).check(
      checkContext(ctx, {
        program,
        taskId: replica.task_id,
        step: replica.step,
        handoffOf: replica.handoff_of,
      }),
      submission,
    );
  } catch (error) {
    if (
      isProofGridError(error) &&
      (error.code === 'VERIFIER_UNAVAILABLE' || error.code === 'STORAGE_UNAVAILABLE')
    )
      await recordJudgements(
        ctx.store,
        [
          {
            taskId: replica.task_id,
            programId: program.programId,
            replicaId: replica.replica_id,
            workerId: replica.worker_id,
            attempt: replica.attempt,
            code: 'could_not_check',
            reasonCode: error.code,
            reason: error.shortMessage,
          },
        ],
        now,
      ).catch(() => undefined);
    throw error;
  }
}

/** A submission for one replica, and what became of it. */
export type SubmissionItem = { replicaId: string; submission: Submission };
export type SubmissionOutcome =
  | { ok: true; verdict: CheckOutcome['verdict'] }
  | { ok: false; error: ProofGridError };

/**
 * Takes a worker's submissions for its replicas, one or a batch: each checked by its program's runtime
 * outside any transaction (proofs verified, reports re-run), then all applied in one transaction under
 * their tasks' locks, each lease checked again there. Invalid evidence is recorded against its worker
 * before its 422 answer says why. One outcome per item, in order; an item's failure fails only that item.
 */
export async function submitResults(
  ctx: HubContext,
  request: { worker: AuthenticatedWorker; items: readonly SubmissionItem[] },
): Promise<SubmissionOutcome[]> {
  try {
    return await submitOnce(ctx, request);
  } catch (error) {
    // The same proof sent twice at once: its twin committed first. Checked again, it is found a replay
    // and recorded as one.
    if (!isUniqueViolation(error)) throw error;
    return submitOnce(ctx, request);
  }
}

async function submitOnce(
  ctx: HubContext,
  { worker, items }: { worker: AuthenticatedWorker; items: readonly SubmissionItem[] },
): Promise<SubmissionOutcome[]> {
  const now = () => new Date(ctx.clock.nowMs());
  const outcomes: (SubmissionOutcome | undefined)[] = items.map(() => undefined);
  const refuse = (index: number, error: ProofGridError) => {
    outcomes[index] = { ok: false, error };
  };
  const found = await loadReplicas(
    ctx.store,
    items.map((item) => item.replicaId),
  );
  const seen = new Set<string>();
  const checked: { index: number; replica: ReplicaState; program: ProgramFact; stored: StoredCheck }[] = [];
  for (const [index, { replicaId, submission }] of items.entries()) {
    const replica = found.get(replicaId);
    const why = seen.has(replicaId)
      ? 'it was submitted for twice in one request'
      : whyNotLive(replica, worker.workerId, now());
    seen.add(replicaId);
    const program = replica === undefined ? undefined : await ctx.programs.get(replica.program_id);
    if (replica === undefined || why !== null || program === undefined) {
      refuse(
        index,
        new LeaseNotActiveError({ leaseId: replicaId, reason: why ?? 'its program was deleted' }),
      );
      continue;
    }
    try {
      const check = await checkSubmission(ctx, { program, replica, submission, now: now() });
      checked.push({ index, replica, program, stored: await storeCheck(ctx, check) });
    } catch (error) {
      if (!isProofGridError(error)) throw error;
      refuse(index, error);
    }
  }
  if (checked.length > 0)
    await ctx.store.transaction(async (tx) => {
      const tasks = await lockTasks(
        tx,
        checked.map((item) => item.replica.task_id),
      );
      const locked = await loadReplicas(
        tx,
        checked.map((item) => item.replica.replica_id),
        { lock: true },
      );
      const live: (CheckedItem & { index: number })[] = [];
      for (const item of checked) {
        const replica = locked.get(item.replica.replica_id);
        const task = tasks.get(item.replica.task_id);
        const why = whyNotLive(replica, worker.workerId, now());
        if (task === undefined || replica === undefined || why !== null)
          refuse(
            item.index,
            new LeaseNotActiveError({
              leaseId: item.replica.replica_id,
              reason: why ?? 'its task was deleted',
            }),
          );
        else live.push({ index: item.index, task, replica, program: item.program, stored: item.stored });
      }
      const applied = await applyChecks(tx, live, now());
      for (const [position, item] of live.entries()) {
        const outcome = applied[position];
        if (outcome === undefined) throw new Error('one outcome per applied item');
        outcomes[item.index] =
          outcome.rejection === null
            ? { ok: true, verdict: outcome.verdict }
            : {
                ok: false,
                error: new SubmissionRejectedError({
                  code: outcome.rejection.errorCode,
                  reason: outcome.rejection.reason,
                }),
              };
      }
    });
  return outcomes.map((outcome) => {
    if (outcome === undefined) throw new Error('every item has an outcome');
    return outcome;
  });
}

/**
 * One submission, as the single-submission routes take it.
 *
 * @throws LEASE_NOT_ACTIVE, PROOF_REJECTED, SUBMISSION_REJECTED, VERIFIER_UNAVAILABLE
 */
export async function submitToReplica(
  ctx: HubContext,
  {
    worker,
    replicaId,
    submission,
  }: { worker: AuthenticatedWorker; replicaId: string; submission: Submission },
): Promise<{ verdict: CheckOutcome['verdict'] }> {
  const [outcome] = await submitResults(ctx, { worker, items: [{ replicaId, submission }] });
  if (outcome === undefined) throw new Error('one outcome for one item');
  if (!outcome.ok) throw outcome.error;
  return { verdict: outcome.verdict };
}

/** Locks tasks in a stable order (so two batches never wait on each other), returns them by id. */
async function lockTasks(tx: Queryable, taskIds: readonly string[]): Promise<Map<string, TaskRow>> {
  const locked = await tx.query<TaskRow>(
    `SELECT task_id, program_id, runtime, state, attempt, replicas_wanted FROM task
      WHERE task_id = ANY($1::uuid[]) ORDER BY task_id FOR UPDATE`,
    [[...new Set(taskIds)]],
  );
  return new Map(locked.rows.map((row) => [row.task_id, row]));
}
