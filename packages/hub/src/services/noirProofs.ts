import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  decodeBase64,
  encodeBase64,
  encodeCanonical,
  isUuid,
  type Manifest,
  ProofGridError,
} from '@proofgrid/core';
import {
  type Abi,
  decodeReturn,
  executeNoir,
  fieldCount,
  type NoirCircuit,
  ProofRejectedError,
  publicInputsOf,
  toJson,
  valuesFromRows,
} from '@proofgrid/runtime';
import type { HubDeps } from '../deps.ts';
import {
  InputGroupNotFoundError,
  LeaseNotActiveError,
  ProofNotFoundError,
  ValidationError,
} from '../errors.ts';
import { requireOwnProgram } from './programs.ts';
import { decideTask, liveReplica } from './replicas.ts';
import type { WorkerRecord } from './workers.ts';

/** A worker's proof for its replica of a Noir task. */
export type ProofSubmission = { proof: string; public_inputs: string[] };

/**
 * Records a proof for a replica of a Noir task, after checking it: its public inputs must be exactly the
 * task's inputs (a donor cannot prove another input), the proof must verify against the program's key
 * (it cannot be tampered with or made for another program), and it must not have been accepted before (a
 * replay proves nothing new). An accepted proof verifies the task at once, its return value the result.
 * A rejected one is kept with its reason, counts against its worker, and frees the task for another.
 *
 * @throws LEASE_NOT_ACTIVE, VALIDATION_FAILED, PROOF_REJECTED (with the reason)
 */
export async function submitProof(
  deps: HubDeps,
  { worker, replicaId, submission }: { worker: WorkerRecord; replicaId: string; submission: ProofSubmission },
): Promise<{ verdict: 'accept' }> {
  const proof = decodeBase64(submission.proof);
  if (proof === undefined || proof.length === 0)
    throw new ValidationError({ message: 'proof is not standard base64 of the proof bytes.' });
  const proofSha256 = createHash('sha256').update(proof).digest('hex');
  const now = () => new Date(deps.clock.nowMs());
  // Verifying takes milliseconds of another process's time: check the lease, verify outside any
  // transaction, then check the lease again while recording.
  const replica = await liveReplica(deps.store, { worker, replicaId, now: now(), lock: false });
  const { circuit, verification_key: key } = replica;
  if (replica.manifest.runtime !== 'noir' || circuit === null || key === null)
    throw new ValidationError({
      message:
        'This replica is of a WebAssembly task: submit its output to /worker/replicas/{replica_id}/submit.',
    });
  const reason = await rejection(deps, {
    abi: circuit.abi,
    key,
    proof,
    proofSha256,
    publicInputs: submission.public_inputs,
    inputGroupId: replica.input_group_id,
  });
  if (reason !== null) {
    await deps.store.transaction(async (tx) => {
      await liveReplica(tx, { worker, replicaId, now: now(), lock: true });
      await tx.query(
        `UPDATE replica SET state = 'rejected', rejection_reason = $2, lease_expires_at = $3, submitted_at = $3, proof_sha256 = $4
          WHERE replica_id = $1`,
        [replicaId, reason, now(), proofSha256],
      );
      await tx.query(
        'UPDATE worker SET consecutive_valid = 0, results_invalid = results_invalid + 1 WHERE worker_id = $1',
        [worker.worker_id],
      );
    });
    throw new ProofRejectedError({ reason });
  }
  const { output, outputBlob, proofBlob, resultHash } = await storeResult(deps, circuit, {
    proof,
    proofSha256,
    publicInputs: submission.public_inputs,
  });
  return deps.store.transaction(async (tx) => {
    const locked = await liveReplica(tx, { worker, replicaId, now: now(), lock: true });
    await tx.query(
      `UPDATE replica SET state = 'submitted', result_hash = $2, output_blob_hash = $3, output_size = $4, fuel_used = 0,
              exit_code = 0, log = '', submitted_at = $5, proof_blob_hash = $6, proof_sha256 = $7, public_inputs = $8
        WHERE replica_id = $1`,
      [
        replicaId,
        resultHash,
        outputBlob.hash,
        output.length,
        now(),
        proofBlob.hash,
        proofSha256,
        JSON.stringify(submission.public_inputs),
      ],
    );
    const verdict = await decideTask(tx, {
      inputGroupId: locked.input_group_id,
      manifest: locked.manifest,
      now: now(),
    });
    if (verdict !== 'accept') throw new Error(`a verified proof decides its task (got ${verdict})`);
    if (locked.witness_of !== null) {
      // The witness this proof was made from was right: its executor shares the credit.
      const executor = await tx.query<{ worker_id: string }>(
        "UPDATE replica SET judgement = 'agreed' WHERE replica_id = $1 RETURNING worker_id",
        [locked.witness_of],
      );
      await tx.query(
        'UPDATE worker SET consecutive_valid = consecutive_valid + 1, results_valid = results_valid + 1 WHERE worker_id = $1',
        [executor.rows[0]?.worker_id],
      );
    }
    return { verdict };
  });
}

/**
 * A Noir task's proof uploaded anonymously through seed 004's `POST /program/proof`, without a lease: a
 * proof that verifies against the program's key with exactly the task's inputs cannot be forged, so who
 * sent it does not matter. The file is the JSON `{proof (base64), public_inputs}`, the form
 * `GET /program/{id}/results/{group}/proof` serves. It is checked as a worker's proof is.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, VALIDATION_FAILED, PROOF_REJECTED
 */
export async function submitAnonymousProof(
  deps: HubDeps,
  {
    organizationId,
    programId,
    inputGroupId,
    file,
  }: { organizationId: string; programId: string; inputGroupId: string; file: Uint8Array },
): Promise<void> {
  let submission: ProofSubmission;
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file)) as ProofSubmission;
    if (typeof parsed.proof !== 'string' || !Array.isArray(parsed.public_inputs)) throw new Error('shape');
    if (
      !parsed.public_inputs.every((field) => typeof field === 'string' && /^0x[0-9a-fA-F]{64}$/.test(field))
    )
      throw new Error('fields');
    submission = parsed;
  } catch {
    throw new ValidationError({
      message: 'For a Noir program the proof file is JSON {"proof": base64, "public_inputs": ["0x…", …]}.',
      details:
        'It is the form GET /program/{program_id}/results/{input_group_id}/proof serves, and bb.js returns.',
    });
  }
  const proof = decodeBase64(submission.proof);
  if (proof === undefined || proof.length === 0)
    throw new ValidationError({ message: 'proof is not standard base64 of the proof bytes.' });
  const found =
    isUuid(inputGroupId) && isUuid(programId) && isUuid(organizationId)
      ? await deps.store.query<{
          task_state: string;
          manifest: Manifest;
          circuit: NoirCircuit | null;
          verification_key: Uint8Array | null;
        }>(
          `SELECT g.task_state, p.manifest, p.circuit, p.verification_key FROM input_group g JOIN program p USING (program_id)
          WHERE g.input_group_id = $1 AND g.program_id = $2 AND p.organization_id = $3`,
          [inputGroupId, programId, organizationId],
        )
      : { rows: [] };
  const task = found.rows[0];
  if (task === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
  if (task.circuit === null || task.verification_key === null)
    throw new ValidationError({ message: 'This program is not a Noir program: its proofs need a lease.' });
  if (task.task_state !== 'open')
    throw new ProofRejectedError({ reason: `the task is already ${task.task_state}` });
  const proofSha256 = createHash('sha256').update(proof).digest('hex');
  const reason = await rejection(deps, {
    abi: task.circuit.abi,
    key: task.verification_key,
    proof,
    proofSha256,
    publicInputs: submission.public_inputs,
    inputGroupId,
  });
  if (reason !== null) throw new ProofRejectedError({ reason });
  const { output, outputBlob, proofBlob, resultHash } = await storeResult(deps, task.circuit, {
    proof,
    proofSha256,
    publicInputs: submission.public_inputs,
  });
  await deps.store.transaction(async (tx) => {
    const open = await tx.query<{ task_state: string }>(
      'SELECT task_state FROM input_group WHERE input_group_id = $1 FOR UPDATE',
      [inputGroupId],
    );
    if (open.rows[0]?.task_state !== 'open')
      throw new ProofRejectedError({ reason: `the task is already ${open.rows[0]?.task_state ?? 'gone'}` });
    const now = new Date(deps.clock.nowMs());
    await tx.query(
      `INSERT INTO replica (replica_id, input_group_id, worker_id, leased_at, lease_expires_at, state, kind, result_hash,
                            output_blob_hash, output_size, fuel_used, exit_code, log, submitted_at, proof_blob_hash, proof_sha256, public_inputs)
       VALUES ($1, $2, NULL, $3, $3, 'submitted', 'run', $4, $5, $6, 0, 0, '', $3, $7, $8, $9)`,
      [
        randomUUID(),
        inputGroupId,
        now,
        resultHash,
        outputBlob.hash,
        output.length,
        proofBlob.hash,
        proofSha256,
        JSON.stringify(submission.public_inputs),
      ],
    );
    const verdict = await decideTask(tx, { inputGroupId, manifest: task.manifest, now });
    if (verdict !== 'accept') throw new Error(`a verified proof decides its task (got ${verdict})`);
  });
}

/**
 * An execute-only worker's witness for its replica: kept until a prover proves it. The hub does not check
 * it here (only a proof can); a witness that does not satisfy the circuit cannot be proven.
 *
 * @throws LEASE_NOT_ACTIVE, VALIDATION_FAILED
 */
export async function submitWitness(
  deps: HubDeps,
  { worker, replicaId, witness }: { worker: WorkerRecord; replicaId: string; witness: string },
): Promise<{ verdict: 'wait' }> {
  const bytes = decodeBase64(witness);
  if (bytes === undefined || bytes.length === 0)
    throw new ValidationError({
      message: 'witness is not standard base64 of the gzipped witness noir_js returns.',
    });
  const blob = await deps.blobs.put(bytes);
  const now = new Date(deps.clock.nowMs());
  return deps.store.transaction(async (tx) => {
    const replica = await liveReplica(tx, { worker, replicaId, now, lock: true });
    if (replica.kind !== 'execute')
      throw new ValidationError({
        message: 'Only a replica leased for execution only takes a witness; submit a proof instead.',
      });
    await tx.query(
      `UPDATE replica SET state = 'witnessed', witness_blob_hash = $2, submitted_at = $3, lease_expires_at = $3 WHERE replica_id = $1`,
      [replicaId, blob.hash, now],
    );
    return { verdict: 'wait' as const };
  });
}

/**
 * A prover's report that the witness it was given cannot be proven. The hub executes the task itself and
 * compares: a wrong witness is rejected and counts against its executor (the task is executed again); a
 * right one means the report was false, and it counts against the prover.
 *
 * @throws LEASE_NOT_ACTIVE, VALIDATION_FAILED, PROOF_REJECTED (the witness was right)
 */
export async function reportBadWitness(
  deps: HubDeps,
  { worker, replicaId }: { worker: WorkerRecord; replicaId: string },
): Promise<{ verdict: 'add_replica' }> {
  const now = () => new Date(deps.clock.nowMs());
  const replica = await liveReplica(deps.store, { worker, replicaId, now: now(), lock: false });
  if (replica.kind !== 'prove' || replica.witness_of === null || replica.circuit === null)
    throw new ValidationError({
      message: "Only a replica leased to prove another worker's witness can report it.",
    });
  const stored = await deps.store.query<{ witness_blob_hash: string; worker_id: string }>(
    'SELECT witness_blob_hash, worker_id FROM replica WHERE replica_id = $1',
    [replica.witness_of],
  );
  const executor = stored.rows[0];
  if (executor === undefined)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'its witness is gone' });
  const rows = await deps.store.query<{ value: Uint8Array }>(
    'SELECT value FROM input_value WHERE input_group_id = $1 ORDER BY position',
    [replica.input_group_id],
  );
  const expected = gunzipSync(
    await executeNoir(
      replica.circuit,
      valuesFromRows(
        replica.circuit.abi,
        rows.rows.map((row) => row.value),
      ),
    ),
  );
  let given: Uint8Array;
  try {
    given = gunzipSync(await deps.blobs.get(executor.witness_blob_hash));
  } catch {
    given = new Uint8Array(0);
  }
  const wrong = Buffer.compare(expected, given) !== 0;
  return deps.store.transaction(async (tx) => {
    await liveReplica(tx, { worker, replicaId, now: now(), lock: true });
    const [blamedReplica, blamedWorker, reason] = wrong
      ? [
          replica.witness_of,
          executor.worker_id,
          "its witness does not satisfy the program on the task's input",
        ]
      : [replicaId, worker.worker_id, 'it reported a right witness as wrong'];
    await tx.query(
      `UPDATE replica SET state = 'rejected', rejection_reason = $2, lease_expires_at = $3, submitted_at = coalesce(submitted_at, $3) WHERE replica_id = $1`,
      [blamedReplica, reason, now()],
    );
    await tx.query(
      'UPDATE worker SET consecutive_valid = 0, results_invalid = results_invalid + 1 WHERE worker_id = $1',
      [blamedWorker],
    );
    if (!wrong) throw new ProofRejectedError({ reason });
    // The prover is not at fault: its lease is removed (not kept as a rejection, which would also bar it
    // from the task), and the task is executed again, then proven by any prover, this one included.
    await tx.query('DELETE FROM replica WHERE replica_id = $1', [replicaId]);
    return { verdict: 'add_replica' as const };
  });
}

/**
 * A worker's report that the program fails on its task's input (an assertion): there is nothing to prove.
 * The hub runs the program itself (executing is cheap; only proving is not) and, when it fails the same
 * way, fails the task with the program's message. A false report is rejected and counts against the worker.
 *
 * @throws LEASE_NOT_ACTIVE, VALIDATION_FAILED, PROOF_REJECTED (the program runs fine on this input)
 */
export async function reportExecutionFailure(
  deps: HubDeps,
  { worker, replicaId }: { worker: WorkerRecord; replicaId: string },
): Promise<{ verdict: 'fail' }> {
  const now = () => new Date(deps.clock.nowMs());
  const replica = await liveReplica(deps.store, { worker, replicaId, now: now(), lock: false });
  if (replica.circuit === null)
    throw new ValidationError({
      message: 'Only a Noir task can fail to execute; a WebAssembly task submits its failure as its result.',
    });
  const rows = await deps.store.query<{ value: Uint8Array }>(
    'SELECT value FROM input_value WHERE input_group_id = $1 ORDER BY position',
    [replica.input_group_id],
  );
  const failure = await executeNoir(
    replica.circuit,
    valuesFromRows(
      replica.circuit.abi,
      rows.rows.map((row) => row.value),
    ),
  ).then(
    () => null,
    (error: Error) => error.message,
  );
  return deps.store.transaction(async (tx) => {
    await liveReplica(tx, { worker, replicaId, now: now(), lock: true });
    if (failure === null) {
      const reason = 'it reported that the program fails on this input, but the program runs to its end';
      await tx.query(
        `UPDATE replica SET state = 'rejected', rejection_reason = $2, lease_expires_at = $3, submitted_at = $3 WHERE replica_id = $1`,
        [replicaId, reason, now()],
      );
      await tx.query(
        'UPDATE worker SET consecutive_valid = 0, results_invalid = results_invalid + 1 WHERE worker_id = $1',
        [worker.worker_id],
      );
      throw new ProofRejectedError({ reason });
    }
    await tx.query(
      `UPDATE replica SET state = 'rejected', rejection_reason = $2, lease_expires_at = $3, submitted_at = $3 WHERE replica_id = $1`,
      [replicaId, 'the program fails on this input (confirmed by the hub)', now()],
    );
    await tx.query(
      `UPDATE input_group SET task_state = 'failed', failure_reason = $2 WHERE input_group_id = $1`,
      [replica.input_group_id, failure],
    );
    return { verdict: 'fail' as const };
  });
}

/** Why a proof is refused, or null when it proves exactly this task. */
async function rejection(
  deps: HubDeps,
  {
    abi,
    key,
    proof,
    proofSha256,
    publicInputs,
    inputGroupId,
  }: {
    abi: Abi;
    key: Uint8Array;
    proof: Uint8Array;
    proofSha256: string;
    publicInputs: string[];
    inputGroupId: string;
  },
): Promise<string | null> {
  const rows = await deps.store.query<{ value: Uint8Array }>(
    'SELECT value FROM input_value WHERE input_group_id = $1 ORDER BY position',
    [inputGroupId],
  );
  const expected = publicInputsOf(
    abi,
    valuesFromRows(
      abi,
      rows.rows.map((row) => row.value),
    ),
  );
  const mismatch = expected.findIndex((field, i) => publicInputs[i]?.toLowerCase() !== field);
  if (mismatch !== -1)
    return `it proves other inputs than the task's: public input ${mismatch} is ${publicInputs[mismatch] ?? 'missing'}, the task's is ${expected[mismatch]}`;
  const replayed = await deps.store.query<{ input_group_id: string }>(
    "SELECT input_group_id FROM replica WHERE proof_sha256 = $1 AND state = 'submitted' LIMIT 1",
    [proofSha256],
  );
  if (replayed.rows[0] !== undefined)
    return `it is a replay: this exact proof was already accepted (for task ${replayed.rows[0].input_group_id}), and a proof counts once`;
  const verified = await deps.noir.verify(key, { proof, publicInputs });
  if (!verified)
    return "it does not verify against the program's verification key: it was altered, or made for another program";
  return null;
}

/**
 * A verified Noir task's proof, public inputs and result, and the program's verification key: all an
 * organization needs to check the result itself, trusting nothing from the hub.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (not verified yet, or not a Noir task)
 */
export async function taskProof(
  deps: HubDeps,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{
  name: string;
  proof: string;
  public_inputs: string[];
  output: unknown;
  verification_key: string;
}> {
  await requireOwnProgram(deps.store, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const found = await deps.store.query<{
    name: string;
    proof_blob_hash: string | null;
    public_inputs: string[] | null;
    output_blob_hash: string | null;
    verification_key: Uint8Array | null;
  }>(
    `SELECT g.name, r.proof_blob_hash, r.public_inputs, r.output_blob_hash, p.verification_key
       FROM input_group g JOIN program p USING (program_id)
       LEFT JOIN replica r ON r.input_group_id = g.input_group_id AND r.state = 'submitted' AND r.judgement = 'agreed'
      WHERE g.input_group_id = $1 AND g.program_id = $2`,
    [inputGroupId, programId],
  );
  const row = found.rows[0];
  if (row === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
  if (
    row.proof_blob_hash === null ||
    row.public_inputs === null ||
    row.output_blob_hash === null ||
    row.verification_key === null
  )
    throw new ProofNotFoundError({ inputGroupId });
  return {
    name: row.name,
    proof: encodeBase64(await deps.blobs.get(row.proof_blob_hash)),
    public_inputs: row.public_inputs,
    output: JSON.parse(new TextDecoder().decode(await deps.blobs.get(row.output_blob_hash))),
    verification_key: encodeBase64(row.verification_key),
  };
}

/**
 * Stores an accepted proof and its result: the return value (the public inputs after the parameters',
 * checked to be the task's) as JSON. The result hash covers both.
 */
async function storeResult(
  deps: HubDeps,
  circuit: NoirCircuit,
  { proof, proofSha256, publicInputs }: { proof: Uint8Array; proofSha256: string; publicInputs: string[] },
) {
  const parameterFields = circuit.abi.parameters.reduce(
    (sum, parameter) => sum + fieldCount(parameter.type),
    0,
  );
  const returned = decodeReturn(circuit.abi, publicInputs.slice(parameterFields));
  const output = new TextEncoder().encode(JSON.stringify(returned === null ? null : toJson(returned)));
  const outputBlob = await deps.blobs.put(output);
  const proofBlob = await deps.blobs.put(proof);
  const resultHash = createHash('sha256')
    .update(encodeCanonical({ output_sha256: outputBlob.hash, proof_sha256: proofSha256 }))
    .digest('hex');
  return { output, outputBlob, proofBlob, resultHash };
}

/**
 * The organization's word on a Noir task after checking its proof itself (seed 004's DELETE and PATCH
 * `/program/proof/...`). Confirming keeps the result (marks the group verified, as for opaque programs);
 * rejecting drops the accepted proof and puts the task back in the queue, for another worker to prove.
 * A confirmed result is kept, as for opaque programs.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (no accepted proof), PROOF_ALREADY_CONFIRMED
 */
export async function judgeNoirTask(
  deps: HubDeps,
  {
    organizationId,
    programId,
    inputGroupId,
    decision,
  }: { organizationId: string; programId: string; inputGroupId: string; decision: 'confirm' | 'reject' },
): Promise<void> {
  const now = new Date(deps.clock.nowMs());
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, { organizationId, programId });
    const found = isUuid(inputGroupId)
      ? await tx.query<{ task_state: string; verified_datetime: Date | null }>(
          'SELECT task_state, verified_datetime FROM input_group WHERE input_group_id = $1 AND program_id = $2 FOR UPDATE',
          [inputGroupId, programId],
        )
      : { rows: [] };
    const group = found.rows[0];
    if (group === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
    if (group.task_state !== 'verified') throw new ProofNotFoundError({ inputGroupId });
    if (decision === 'confirm') {
      // The accepted proof becomes the group's proof, as seed 004's routes know it (GET /program/proof/...).
      await tx.query(
        `UPDATE input_group g SET proof_blob_hash = r.proof_blob_hash, proven_datetime = coalesce(g.proven_datetime, r.submitted_at),
                verified_datetime = coalesce(g.verified_datetime, $2)
           FROM replica r
          WHERE g.input_group_id = $1 AND r.input_group_id = g.input_group_id AND r.state = 'submitted' AND r.judgement = 'agreed'`,
        [inputGroupId, now],
      );
      return;
    }
    if (group.verified_datetime !== null)
      throw new ProofGridError('PROOF_ALREADY_CONFIRMED', {
        shortMessage: `The result of input group ${inputGroupId} was already confirmed; a confirmed result is kept.`,
        details:
          'To run the group again, delete it (DELETE /program/input/{program_id}/{input_group_id}) and upload its inputs anew.',
      });
    await tx.query(
      `UPDATE replica SET state = 'rejected', rejection_reason = 'rejected by its organization', judgement = NULL
        WHERE input_group_id = $1 AND state = 'submitted'`,
      [inputGroupId],
    );
    await tx.query(
      `UPDATE input_group SET task_state = 'open', accepted_result_hash = NULL, replicas_wanted = NULL WHERE input_group_id = $1`,
      [inputGroupId],
    );
  });
}
