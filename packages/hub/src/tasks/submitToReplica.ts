import { isProofGridError, isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { LeaseNotActiveError, SubmissionRejectedError } from '../errors.ts';
import { readInputValues } from '../inputs/readInputValues.ts';
import type { CheckContext, ProgramFact, Step, Submission, SubmissionCheck } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { applyCheck, type CheckOutcome, storeCheck } from './applyCheck.ts';
import { lockTask, recordJudgements } from './taskRecords.ts';

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
  FROM replica r JOIN task t USING (task_id) WHERE r.replica_id = $1`;

export async function loadReplica(
  db: Queryable,
  replicaId: string,
  { lock = false } = {},
): Promise<ReplicaState | undefined> {
  if (!isUuid(replicaId)) return undefined;
  const found = await db.query<ReplicaState>(`${REPLICA_STATE_SQL}${lock ? ' FOR UPDATE OF r' : ''}`, [
    replicaId,
  ]);
  return found.rows[0];
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
        "SELECT task_id FROM replica WHERE evidence_sha256 = $1 AND state = 'submitted' LIMIT 1",
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

/**
 * Takes a worker's submission for its replica: checked by the program's runtime outside any transaction
 * (proofs are verified, reports re-run), then applied under the task's lock after the lease is checked
 * again. Invalid evidence is recorded against its worker before the 422 answer says why.
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
  const now = () => new Date(ctx.clock.nowMs());
  const replica = await loadReplica(ctx.store, replicaId);
  const why = whyNotLive(replica, worker.workerId, now());
  if (replica === undefined || why !== null)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: why ?? 'unknown' });
  const program = await ctx.programs.get(replica.program_id);
  if (program === undefined)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'its program was deleted' });
  const check = await checkSubmission(ctx, { program, replica, submission, now: now() });
  const stored = await storeCheck(ctx, check);
  const outcome = await ctx.store.transaction(async (tx) => {
    const task = await lockTask(tx, replica.task_id);
    const locked = await loadReplica(tx, replicaId, { lock: true });
    const stillWhy = whyNotLive(locked, worker.workerId, now());
    if (task === undefined || locked === undefined || stillWhy !== null)
      throw new LeaseNotActiveError({ leaseId: replicaId, reason: stillWhy ?? 'its task was deleted' });
    return applyCheck(tx, { task, replica: locked, program, stored, now: now() });
  });
  if (outcome.rejection !== null)
    throw new SubmissionRejectedError({
      code: outcome.rejection.errorCode,
      reason: outcome.rejection.reason,
    });
  return { verdict: outcome.verdict };
}
