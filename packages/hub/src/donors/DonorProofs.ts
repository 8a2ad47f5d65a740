import { randomUUID } from 'node:crypto';
import { assert, decideReplicaVerdict, isUuid, ProofGridError, transitionTask } from '@proofgrid/core';
import { type BatchOutcome, MicroBatcher } from '../batching/MicroBatcher.ts';
import type { HubContext } from '../context.ts';
import {
  DonorGroupNotFoundError,
  LeaseNotActiveError,
  ProgramNotFoundError,
  SubmissionRejectedError,
  ValidationError,
} from '../errors.ts';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import { applyChecks, type StoredCheck, storeCheck } from '../tasks/applyChecks.ts';
import { checkSubmission, loadReplica, whyNotLive } from '../tasks/submitToReplica.ts';
import { lockTask } from '../tasks/taskRecords.ts';

export type DonorProofParameters = {
  organizationId: string;
  programId: string;
  inputGroupId: string;
  /** The lease the donor got with the group; without it anyone could overwrite anyone's proof. */
  leaseId: string | undefined;
  file: Uint8Array;
};

type LeasedProof = {
  program: ProgramFact;
  taskId: string;
  leaseId: string;
  stored: StoredCheck;
  resultHash: string;
};

/**
 * Seed 004's `POST /program/proof`. A program its organization verifies takes a donor's proof under the
 * donor's active lease, once: the task is then proposed to its organization. A program whose results prove
 * themselves (a Noir proof of the task) takes them from anyone, checked like a worker's. Concurrent leased
 * uploads are recorded in batches.
 */
export class DonorProofs {
  readonly #ctx: HubContext;
  readonly #batcher: MicroBatcher<LeasedProof, boolean>;

  constructor(options: { batchSizeMax: number; queuedMax: number }, deps: { ctx: HubContext }) {
    this.#ctx = deps.ctx;
    this.#batcher = new MicroBatcher(options, { execute: (records) => this.#recordBatch(records) });
  }

  /**
   * @throws LEASE_REQUIRED, VALIDATION_FAILED, PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, LEASE_NOT_ACTIVE,
   *   PROOF_REJECTED, VERIFIER_UNAVAILABLE
   */
  async upload(parameters: DonorProofParameters): Promise<void> {
    for (const [field, value] of Object.entries({
      organization_id: parameters.organizationId,
      program_id: parameters.programId,
      input_group_id: parameters.inputGroupId,
    }))
      if (!isUuid(value))
        throw new ValidationError({
          message: `data.${field} is not an id: "${value}".`,
          details: 'Copy the ids from the lease.',
        });
    if (parameters.file.length === 0)
      throw new ValidationError({
        message: 'The proof file is empty.',
        details: 'Upload the proof your run produced.',
      });
    // The group must belong to the organization the donor names (the program's owner never changes).
    const program = await this.#ctx.programs.get(parameters.programId);
    if (program === undefined) throw new ProgramNotFoundError({ programId: parameters.programId });
    if (program.organizationId !== parameters.organizationId) throw new DonorGroupNotFoundError(parameters);
    const runtime = this.#ctx.runtimes.get(program.runtime);
    if (runtime.anonymousResults) {
      const request = { program, taskId: parameters.inputGroupId, file: parameters.file };
      return submitAnonymousResult(this.#ctx, request).catch((error: unknown) => {
        // The same proof sent twice at once: checked again after its twin committed, it is a replay.
        if (!isUniqueViolation(error)) throw error;
        return submitAnonymousResult(this.#ctx, request);
      });
    }
    if (!runtime.donorReservations)
      throw new ValidationError({
        message: `Program ${parameters.programId} runs on registered workers: its results come from them.`,
        details: 'Run a worker to contribute to it.',
      });
    const { leaseId } = parameters;
    if (leaseId === undefined || leaseId === '')
      throw new ProofGridError('LEASE_REQUIRED', {
        shortMessage: 'A proof upload must name the lease it was computed under.',
        details: 'Add "lease_id" to the data field: it comes with the reservation.',
        action: 'copy_lease_ids',
      });
    if (!isUuid(leaseId))
      throw new ValidationError({
        message: `data.lease_id is not an id: "${leaseId}".`,
        details: 'Copy the ids from the lease.',
      });
    const check = await checkSubmission(this.#ctx, {
      program,
      replica: {
        replica_id: leaseId,
        task_id: parameters.inputGroupId,
        worker_id: null,
        step: 'run',
        handoff_of: null,
        attempt: 0,
      },
      submission: { kind: 'donor_file', bytes: parameters.file },
      now: new Date(this.#ctx.clock.nowMs()),
    });
    if (check.kind !== 'result')
      throw new SubmissionRejectedError({ code: 'SUBMISSION_REJECTED', reason: 'the file is not a result' });
    const stored = await storeCheck(this.#ctx, check);
    const accepted = await this.#batcher.submit({
      program,
      taskId: parameters.inputGroupId,
      leaseId,
      stored,
      resultHash: check.result.resultHash,
    });
    if (accepted) return;
    // Why is looked up only on a refusal, off the hot path.
    const replica = await loadReplica(this.#ctx.store, leaseId);
    if (replica === undefined || replica.task_id !== parameters.inputGroupId) {
      const group = await this.#ctx.store.query(
        'SELECT 1 FROM input_group WHERE input_group_id = $1 AND program_id = $2',
        [parameters.inputGroupId, parameters.programId],
      );
      if (group.rowCount === 0) throw new DonorGroupNotFoundError(parameters);
      throw new LeaseNotActiveError({
        leaseId,
        reason: 'it is not a lease on this group (the id is wrong)',
        donor: true,
      });
    }
    throw new LeaseNotActiveError({
      leaseId,
      reason: whyNotLive(replica, null, new Date(this.#ctx.clock.nowMs())) ?? 'it ended meanwhile',
      donor: true,
    });
  }

  async #recordBatch(records: LeasedProof[]): Promise<BatchOutcome<boolean>[]> {
    const accepted = new Set<LeasedProof>();
    // Two uploads for one task go in separate rounds, so each is judged against the row it finds: a
    // repeated upload under a spent lease must not share the first one's success.
    let pending = records;
    while (pending.length > 0) {
      const round = new Map<string, LeasedProof>();
      for (const record of pending) if (!round.has(record.taskId)) round.set(record.taskId, record);
      pending = pending.filter((record) => round.get(record.taskId) !== record);
      for (const record of await this.#recordRound([...round.values()])) accepted.add(record);
    }
    return records.map((record) => ({ ok: true, value: accepted.has(record) }));
  }

  /**
   * Records one proof per task under its live lease and proposes each task to its organization: one
   * statement, so one round trip and its own transaction. It locks the open tasks (in id order, as every
   * path does), records the proofs whose lease is live on them, moves those tasks as core's state machine
   * says (`applyTransitions` for one fixed move) and appends their events. Returns those that took.
   */
  async #recordRound(round: LeasedProof[]): Promise<LeasedProof[]> {
    const now = new Date(this.#ctx.clock.nowMs());
    for (const record of round) {
      // The policy decides, as for every result: under `owner` the one result is proposed to the organization.
      const verdict = decideReplicaVerdict(record.program.policy, {
        results: [{ workerId: record.leaseId, resultHash: record.resultHash }],
        inFlight: 0,
      });
      assert(
        verdict.decision === 'accept' && record.program.policy.policy === 'owner',
        'a donor proof is proposed at once',
      );
    }
    const moved = transitionTask('open', 'result_proposed');
    assert(moved.ok, 'an open task takes a proposed result');
    const recorded = await this.#ctx.store.query<{ replica_id: string }>(
      `WITH locked AS (
         SELECT task_id, attempt FROM task
          WHERE task_id = ANY($3::uuid[]) AND state = 'open' ORDER BY task_id FOR UPDATE),
       recorded AS (
         UPDATE replica r SET state = 'submitted', submitted_at = $1, result_hash = u.result_hash,
                output = u.output, output_blob_hash = u.blob_hash, output_size = u.size
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::bytea[], $6::text[], $7::int[])
                AS u(replica_id, task_id, result_hash, output, blob_hash, size),
                locked t
          WHERE r.replica_id = u.replica_id AND r.task_id = u.task_id AND r.worker_id IS NULL AND r.state = 'leased'
            AND r.lease_expires_at > $1 AND t.task_id = r.task_id AND t.attempt = r.attempt
          RETURNING r.replica_id, r.task_id, r.result_hash),
       moved AS (
         UPDATE task t SET state = $8, updated_at = $1, decided_at = $1, confirmed_at = NULL,
                accepted_replica_id = rec.replica_id, result_hash = rec.result_hash
           FROM recorded rec WHERE t.task_id = rec.task_id
          RETURNING t.task_id, t.program_id, t.attempt),
       logged AS (
         INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
         SELECT m.task_id, m.program_id, m.attempt, 'result_proposed', 'open', $8,
                'a donor uploaded a proof under its lease', $1
           FROM moved m)
       SELECT rec.replica_id FROM recorded rec`,
      [
        now,
        round.map((record) => record.leaseId),
        round.map((record) => record.taskId),
        round.map((record) => record.resultHash),
        round.map((record) => record.stored.outputInline),
        round.map((record) => record.stored.outputBlobHash),
        round.map((record) =>
          record.stored.check.kind === 'result' ? record.stored.check.result.output.length : 0,
        ),
        moved.state,
      ],
    );
    const took = round.filter((record) => recorded.rows.some((row) => row.replica_id === record.leaseId));
    assert(took.length === recorded.rows.length, 'every recorded proof is one of the round');
    return took;
  }
}

/**
 * A result that proves itself (a Noir proof of the task), from anyone, without a lease: checked like a
 * worker's, recorded as a replica without a worker. Invalid evidence is recorded before it is refused.
 *
 * @throws INPUT_GROUP_NOT_FOUND, PROOF_REJECTED, VERIFIER_UNAVAILABLE
 */
async function submitAnonymousResult(
  ctx: HubContext,
  { program, taskId, file }: { program: ProgramFact; taskId: string; file: Uint8Array },
): Promise<void> {
  const now = () => new Date(ctx.clock.nowMs());
  const found = await ctx.store.query<{ state: string; attempt: number }>(
    'SELECT state, attempt FROM task WHERE task_id = $1 AND program_id = $2',
    [taskId, program.programId],
  );
  const task = found.rows[0];
  if (task === undefined)
    throw new DonorGroupNotFoundError({
      organizationId: program.organizationId,
      programId: program.programId,
      inputGroupId: taskId,
    });
  if (task.state !== 'open')
    throw new SubmissionRejectedError({
      code: 'PROOF_REJECTED',
      reason: `the task is already ${task.state}`,
    });
  const replica = {
    replica_id: randomUUID(),
    task_id: taskId,
    worker_id: null,
    step: 'run' as const,
    handoff_of: null,
    attempt: task.attempt,
  };
  const check = await checkSubmission(ctx, {
    program,
    replica,
    submission: { kind: 'donor_file', bytes: file },
    now: now(),
  });
  const stored = await storeCheck(ctx, check);
  const outcome = await ctx.store.transaction(async (tx) => {
    const locked = await lockTask(tx, taskId);
    if (locked === undefined || locked.state !== 'open' || locked.attempt !== task.attempt)
      return {
        verdict: 'wait' as const,
        rejection: {
          errorCode: 'PROOF_REJECTED' as const,
          reason: `the task is already ${locked?.state ?? 'deleted'}`,
        },
      };
    await tx.query(
      `INSERT INTO replica (replica_id, task_id, worker_id, leased_at, lease_expires_at, state, step, attempt)
       VALUES ($1, $2, NULL, $3, $3, 'leased', 'run', $4)`,
      [replica.replica_id, taskId, now(), locked.attempt],
    );
    const [outcome] = await applyChecks(tx, [{ task: locked, replica, program, stored }], now());
    if (outcome === undefined) throw new Error('one outcome for one item');
    return outcome;
  });
  if (outcome.rejection !== null)
    throw new SubmissionRejectedError({
      code: outcome.rejection.errorCode,
      reason: outcome.rejection.reason,
    });
}
