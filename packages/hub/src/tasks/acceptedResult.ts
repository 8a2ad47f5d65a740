import { isUuid, type TaskState } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { InputGroupNotFoundError, ProofNotFoundError } from '../errors.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import type { ExportedEvidence, ProgramFact, Step } from '../runtimes/HubRuntime.ts';

/** Who did what in a task's current attempt: the verdict an organization gets with a result. */
export type Verdict = {
  taskId: string;
  name: string;
  state: TaskState;
  resultHash: string | null;
  failureReason: string | null;
  fuelUsed: number | null;
  exitCode: number | null;
  agreeingWorkers: string[];
  outvotedWorkers: string[];
  history: {
    workerId: string | null;
    step: Step;
    state: string;
    judgement: string | null;
    rejectionReason: string | null;
  }[];
};

type AcceptedRow = {
  name: string;
  state: TaskState;
  attempt: number;
  result_hash: string | null;
  failure_reason: string | null;
  output: Uint8Array | null;
  output_blob_hash: string | null;
  evidence_blob_hash: string | null;
  public_inputs: string[] | null;
  fuel_used: string | null;
  exit_code: number | null;
};

/** States whose task holds a result its organization may read. */
const WITH_RESULT: readonly TaskState[] = ['proven', 'verified', 'confirmed'];

async function loadAccepted(
  ctx: HubContext,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{ program: ProgramFact; row: AcceptedRow }> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const found = await ctx.store.query<AcceptedRow>(
    `SELECT g.name, t.state, t.attempt, t.result_hash, t.failure_reason, a.output, a.output_blob_hash, a.evidence_blob_hash,
            a.public_inputs, a.fuel_used::text AS fuel_used, a.exit_code
       FROM task t JOIN input_group g ON g.input_group_id = t.task_id
       LEFT JOIN replica a ON a.replica_id = t.accepted_replica_id
      WHERE t.task_id = $1 AND t.program_id = $2`,
    [inputGroupId, programId],
  );
  const row = found.rows[0];
  if (row === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
  if (!WITH_RESULT.includes(row.state))
    throw new ProofNotFoundError({ inputGroupId, state: row.state, reason: row.failure_reason });
  return { program, row };
}

/**
 * The accepted output of a task (verified, confirmed, or proposed to its organization), with its verdict.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (no result: open, failed or cancelled, and why)
 */
export async function taskResult(
  ctx: HubContext,
  key: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{ output: Uint8Array; verdict: Verdict }> {
  const { row } = await loadAccepted(ctx, key);
  const output =
    row.output ??
    (row.output_blob_hash === null ? new Uint8Array(0) : await ctx.blobs.get(row.output_blob_hash));
  const replicas = await ctx.store.query<{
    worker_id: string | null;
    step: Step;
    state: string;
    judgement: string | null;
    judgement_reason: string | null;
  }>(
    `SELECT r.worker_id, r.step, r.state, j.code AS judgement, j.reason AS judgement_reason
       FROM replica r LEFT JOIN LATERAL (SELECT code, reason FROM judgement WHERE replica_id = r.replica_id
                                          ORDER BY judgement_id DESC LIMIT 1) j ON TRUE
      WHERE r.task_id = $1 AND r.attempt = $2 AND r.state <> 'leased' ORDER BY r.submitted_at NULLS LAST, r.replica_id`,
    [key.inputGroupId, row.attempt],
  );
  const workersJudged = (code: string) =>
    replicas.rows
      .filter((replica) => replica.judgement === code && replica.worker_id !== null)
      .map((replica) => replica.worker_id ?? '');
  return {
    output,
    verdict: {
      taskId: key.inputGroupId,
      name: row.name,
      state: row.state,
      resultHash: row.result_hash,
      failureReason: row.failure_reason,
      fuelUsed: row.fuel_used === null ? null : Number(row.fuel_used),
      exitCode: row.exit_code,
      agreeingWorkers: workersJudged('agreed'),
      outvotedWorkers: workersJudged('outvoted'),
      history: replicas.rows.map((replica) => ({
        workerId: replica.worker_id,
        step: replica.step,
        state: replica.state,
        judgement: replica.judgement,
        rejectionReason: replica.state === 'rejected' ? replica.judgement_reason : null,
      })),
    },
  };
}

/**
 * The evidence an organization needs to check a result itself, trusting nothing from the hub (a Noir
 * task's proof, public inputs, output and the program's verification key).
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (no result, or none checkable this way)
 */
export async function taskEvidence(
  ctx: HubContext,
  key: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{ name: string } & ExportedEvidence> {
  const { program, row } = await loadAccepted(ctx, key);
  const runtime = ctx.runtimes.get(program.runtime);
  if (runtime.exportEvidence === undefined || row.evidence_blob_hash === null || row.public_inputs === null)
    throw new ProofNotFoundError({
      inputGroupId: key.inputGroupId,
      state: row.state,
      reason: 'its result carries no proof',
    });
  const output =
    row.output ??
    (row.output_blob_hash === null ? new Uint8Array(0) : await ctx.blobs.get(row.output_blob_hash));
  const exported = await runtime.exportEvidence(program, {
    proof: await ctx.blobs.get(row.evidence_blob_hash),
    publicInputs: row.public_inputs,
    output,
  });
  return { name: row.name, ...exported };
}

/**
 * The proof file of a task's result, as it was uploaded (seed 004's route): a donor's proof, or a Noir
 * task's proof.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND
 */
export async function resultProofFile(
  ctx: HubContext,
  key: { organizationId: string; programId: string; inputGroupId: string },
): Promise<Uint8Array> {
  const { program, row } = await loadAccepted(ctx, key);
  if (row.evidence_blob_hash === null && ctx.runtimes.get(program.runtime).donorReservations)
    // A donor's file is the result and its own proof (older rows also named it as evidence).
    return (
      row.output ?? (row.output_blob_hash === null ? new Uint8Array(0) : ctx.blobs.get(row.output_blob_hash))
    );
  if (row.evidence_blob_hash === null)
    throw new ProofNotFoundError({
      inputGroupId: key.inputGroupId,
      state: row.state,
      reason: 'its result carries no proof',
    });
  return ctx.blobs.get(row.evidence_blob_hash);
}
