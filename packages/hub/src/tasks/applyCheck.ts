import type { ReplicaVerdict } from '@proofgrid/core';
import { putBlob } from '../blobs/putBlob.ts';
import { OUTPUT_INLINE_BYTES_MAX } from '../constants.ts';
import type { HubContext } from '../context.ts';
import type { ProgramFact, SubmissionCheck } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import { decideTask } from './decideTask.ts';
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

/**
 * Writes a check's bytes to the blob store before its transaction: outputs past the inline size, proofs
 * and handed-off artifacts. `putBlob` marks them as garbage until a row references them, so a transaction
 * that then fails leaves nothing behind.
 */
export async function storeCheck(ctx: HubContext, check: SubmissionCheck): Promise<StoredCheck> {
  if (check.kind === 'handoff')
    return {
      check,
      outputInline: null,
      outputBlobHash: null,
      evidenceBlobHash: (await putBlob(ctx, check.artifact)).hash,
    };
  if (check.kind !== 'result')
    return { check, outputInline: null, outputBlobHash: null, evidenceBlobHash: null };
  const { output, evidence } = check.result;
  const inline = output.length <= OUTPUT_INLINE_BYTES_MAX;
  const evidenceBlobHash = evidence === null ? null : (await putBlob(ctx, evidence.bytes)).hash;
  const outputBlobHash = inline ? null : (await putBlob(ctx, output)).hash;
  return { check, outputInline: inline ? output : null, outputBlobHash, evidenceBlobHash };
}

/**
 * Applies a checked submission to its replica and task, in the caller's transaction with the task locked:
 * a result is recorded and the task decided by its policy; a handed-off artifact waits for its follow-up;
 * invalid evidence rejects the replica it blames and records the judgement, so a rejection is never lost
 * between its answer and its record.
 */
export async function applyCheck(
  tx: Queryable,
  {
    task,
    replica,
    program,
    stored,
    now,
  }: { task: TaskRow; replica: CheckedReplica; program: ProgramFact; stored: StoredCheck; now: Date },
): Promise<CheckOutcome> {
  const { check } = stored;
  if (check.kind === 'handoff') {
    await tx.query(
      `UPDATE replica SET state = 'handed_off', submitted_at = $2, evidence_blob_hash = $3 WHERE replica_id = $1`,
      [replica.replica_id, now, stored.evidenceBlobHash],
    );
    return { verdict: 'wait', rejection: null };
  }
  if (check.kind === 'invalid') return rejectReplica(tx, { task, replica, program, check, now });
  const { result } = check;
  await tx.query(
    `UPDATE replica SET state = 'submitted', submitted_at = $2, result_hash = $3, output = $4, output_blob_hash = $5,
            output_size = $6, fuel_used = $7, exit_code = $8, log = $9, failure_code = $10, failure_message = $11,
            evidence_blob_hash = $12, evidence_sha256 = $13, public_inputs = $14
      WHERE replica_id = $1`,
    [
      replica.replica_id,
      now,
      result.resultHash,
      stored.outputInline,
      stored.outputBlobHash,
      result.output.length,
      result.fuelUsed,
      result.exitCode,
      result.log,
      result.failure?.code ?? null,
      result.failure?.message ?? null,
      stored.evidenceBlobHash,
      result.evidence?.sha256 ?? null,
      result.evidence?.publicInputs ? JSON.stringify(result.evidence.publicInputs) : null,
    ],
  );
  return { verdict: await decideTask(tx, { task, program, now }), rejection: null };
}

async function rejectReplica(
  tx: Queryable,
  {
    task,
    replica,
    program,
    check,
    now,
  }: {
    task: TaskRow;
    replica: CheckedReplica;
    program: ProgramFact;
    check: Extract<SubmissionCheck, { kind: 'invalid' }>;
    now: Date;
  },
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
