import type { ReplicaVerdict } from '@proofgrid/core';
import { OUTPUT_INLINE_BYTES_MAX } from '../constants.ts';
import type { HubContext } from '../context.ts';
import type { ProgramFact, SubmissionCheck } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import { decideTasks } from './decideTasks.ts';
import { type JudgementRecord, recordJudgements, type TaskRow } from './taskRecords.ts';

/** Where a check's bytes went: small outputs stay in the row, the rest are blobs written beforehand. */
export type StoredCheck = {
  check: SubmissionCheck;
  outputInline: Uint8Array | null;
  outputBlobHash: string | null;
  evidenceBlobHash: string | null;
};

/** The replica a check is applied to (locked by the caller, its lease checked live). */
export type CheckedReplica = { replica_id: string; worker_id: string | null; handoff_of: string | null };

export type CheckOutcome = {
  verdict: ReplicaVerdict['decision'];
  /** Set when the submitter's evidence was judged invalid: answer it with this error, after the commit. */
  rejection: { errorCode: 'PROOF_REJECTED' | 'SUBMISSION_REJECTED'; reason: string } | null;
};

/** One checked submission, ready to be applied. */
export type CheckedItem = {
  task: TaskRow;
  replica: CheckedReplica;
  program: ProgramFact;
  stored: StoredCheck;
};

/**
 * Writes a check's bytes to the blob store before its transaction: outputs past the inline size, proofs
 * and handed-off artifacts. `ctx.blobWrites` marks them as garbage until a row references them, so a transaction
 * that then fails leaves nothing behind.
 */
export async function storeCheck(ctx: HubContext, check: SubmissionCheck): Promise<StoredCheck> {
  if (check.kind === 'handoff')
    return {
      check,
      outputInline: null,
      outputBlobHash: null,
      evidenceBlobHash: (await ctx.blobWrites.put(check.artifact)).hash,
    };
  if (check.kind !== 'result')
    return { check, outputInline: null, outputBlobHash: null, evidenceBlobHash: null };
  const { output, evidence } = check.result;
  const inline = output.length <= OUTPUT_INLINE_BYTES_MAX;
  const evidenceBlobHash = evidence === null ? null : (await ctx.blobWrites.put(evidence.bytes)).hash;
  const outputBlobHash = inline ? null : (await ctx.blobWrites.put(output)).hash;
  return { check, outputInline: inline ? output : null, outputBlobHash, evidenceBlobHash };
}

/**
 * Applies checked submissions to their replicas and tasks, in the caller's transaction with the tasks and
 * replicas locked: results are recorded and their tasks decided by their policies; handed-off artifacts
 * wait for their follow-up; invalid evidence rejects the replica it blames and records the judgement, so a
 * rejection is never lost between its answer and its record. One outcome per item, in order.
 */
export async function applyChecks(
  tx: Queryable,
  items: readonly CheckedItem[],
  now: Date,
): Promise<CheckOutcome[]> {
  const results = items.filter((item) => item.stored.check.kind === 'result');
  await recordResults(tx, results, now);
  const outcomes: (CheckOutcome | undefined)[] = items.map(() => undefined);
  for (const [index, item] of items.entries()) {
    const { check } = item.stored;
    if (check.kind === 'handoff') {
      await tx.query(
        `UPDATE replica SET state = 'handed_off', submitted_at = $2, evidence_blob_hash = $3 WHERE replica_id = $1`,
        [item.replica.replica_id, now, item.stored.evidenceBlobHash],
      );
      outcomes[index] = { verdict: 'wait', rejection: null };
    } else if (check.kind === 'invalid') outcomes[index] = await rejectReplica(tx, { ...item, check, now });
  }
  const decided = new Map<string, CheckedItem>();
  for (const item of results) decided.set(item.task.task_id, item);
  const decisions = await decideTasks(tx, { tasks: [...decided.values()], now });
  return items.map((item, index) => {
    const outcome = outcomes[index];
    if (outcome !== undefined) return outcome;
    const verdict = decisions.get(item.task.task_id);
    if (verdict === undefined) throw new Error('every recorded result has its task decided');
    return { verdict, rejection: null };
  });
}

/** Records results, one statement for all of them. */
async function recordResults(tx: Queryable, items: readonly CheckedItem[], now: Date): Promise<void> {
  if (items.length === 0) return;
  const column = <T>(
    pick: (result: Extract<SubmissionCheck, { kind: 'result' }>['result'], item: CheckedItem) => T,
  ) =>
    items.map((item) => {
      const { check } = item.stored;
      if (check.kind !== 'result') throw new Error('only results are recorded here');
      return pick(check.result, item);
    });
  await tx.query(
    `UPDATE replica r SET state = 'submitted', submitted_at = $1, result_hash = u.result_hash, output = u.output,
            output_blob_hash = u.output_blob_hash, output_size = u.output_size, fuel_used = u.fuel_used,
            exit_code = u.exit_code, log = u.log, failure_code = u.failure_code, failure_message = u.failure_message,
            evidence_blob_hash = u.evidence_blob_hash, evidence_sha256 = u.evidence_sha256,
            public_inputs = u.public_inputs::jsonb
       FROM unnest($2::uuid[], $3::text[], $4::bytea[], $5::text[], $6::int[], $7::bigint[], $8::int[], $9::text[],
                   $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
            AS u(replica_id, result_hash, output, output_blob_hash, output_size, fuel_used, exit_code, log,
                 failure_code, failure_message, evidence_blob_hash, evidence_sha256, public_inputs)
      WHERE r.replica_id = u.replica_id`,
    [
      now,
      column((_, item) => item.replica.replica_id),
      column((result) => result.resultHash),
      column((_, item) => item.stored.outputInline),
      column((_, item) => item.stored.outputBlobHash),
      column((result) => result.output.length),
      column((result) => result.fuelUsed),
      column((result) => result.exitCode),
      column((result) => result.log),
      column((result) => result.failure?.code ?? null),
      column((result) => result.failure?.message ?? null),
      column((_, item) => item.stored.evidenceBlobHash),
      column((result) => result.evidence?.sha256 ?? null),
      column((result) =>
        result.evidence?.publicInputs ? JSON.stringify(result.evidence.publicInputs) : null,
      ),
    ],
  );
}

async function rejectReplica(
  tx: Queryable,
  {
    task,
    replica,
    program,
    check,
    now,
  }: CheckedItem & { check: Extract<SubmissionCheck, { kind: 'invalid' }>; now: Date },
): Promise<CheckOutcome> {
  const base = { taskId: task.task_id, programId: program.programId, attempt: task.attempt };
  const judgements: JudgementRecord[] = [];
  let blamed: { replica_id: string; worker_id: string | null } = replica;
  if (check.blame === 'handoff' && replica.handoff_of !== null) {
    const found = await tx.query<{ replica_id: string; worker_id: string | null }>(
      'SELECT replica_id, worker_id FROM replica WHERE replica_id = $1',
      [replica.handoff_of],
    );
    blamed = found.rows[0] ?? blamed;
    // The follow-up step was right to report it: its lease ends without blame, and it may take the task again.
    await tx.query(`UPDATE replica SET state = 'returned', submitted_at = $2 WHERE replica_id = $1`, [
      replica.replica_id,
      now,
    ]);
    judgements.push({
      ...base,
      replicaId: replica.replica_id,
      workerId: replica.worker_id,
      code: 'returned',
      reasonCode: null,
      reason: 'it reported a wrong witness, rightly: it is relieved of its lease',
    });
  }
  await tx.query(
    `UPDATE replica SET state = 'rejected', submitted_at = coalesce(submitted_at, $2) WHERE replica_id = $1`,
    [blamed.replica_id, now],
  );
  judgements.push({
    ...base,
    replicaId: blamed.replica_id,
    workerId: blamed.worker_id,
    code: check.judgement,
    reasonCode: check.reason,
    reason: check.message,
  });
  await recordJudgements(tx, judgements, now);
  return blamed.replica_id === replica.replica_id
    ? { verdict: 'add_replica', rejection: { errorCode: check.errorCode, reason: check.message } }
    : { verdict: 'add_replica', rejection: null };
}
