import { assert, isUuid, ProofGridError } from '@proofgrid/core';
import { type BatchOutcome, MicroBatcher } from '../batching/MicroBatcher.ts';
import type { HubDeps } from '../deps.ts';
import {
  DonorGroupNotFoundError,
  InputGroupNotFoundError,
  LeaseNotActiveError,
  ProgramNotFoundError,
  ProofNotFoundError,
  ValidationError,
} from '../errors.ts';
import type { Queryable } from '../store/Store.ts';
import { releaseBlobs } from './blobGarbage.ts';
import type { ProgramFacts } from './ProgramFacts.ts';
import { requireOwnProgram } from './programs.ts';

export type UploadProofParameters = {
  organizationId: string;
  programId: string;
  inputGroupId: string;
  /** The lease the donor got with the group; without it anyone could overwrite anyone's proof. */
  leaseId: string | undefined;
  proof: Uint8Array;
};

type GroupKey = { organizationId: string; programId: string; inputGroupId: string };

type ProofRecord = {
  inputGroupId: string;
  programId: string;
  leaseId: string;
  blobHash: string;
  blobSizeBytes: number;
};

/** Records proofs under their leases, many per statement (one per group); returns the groups that took. */
const RECORD_SQL = `
  UPDATE input_group g
     SET proven_datetime = $1, proof_blob_hash = u.blob_hash, proof_size = u.blob_size, lease_expires_at = NULL
    FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::integer[])
           AS u(input_group_id, program_id, lease_id, blob_hash, blob_size)
   WHERE g.input_group_id = u.input_group_id AND g.program_id = u.program_id
     AND g.lease_id = u.lease_id AND g.lease_expires_at > $1 AND g.proven_datetime IS NULL
  RETURNING g.input_group_id`;

/**
 * Accepts donors' proofs. A proof is accepted only under the active lease on its group and only once: the
 * lease ends with the upload, and the group is not handed out again unless its organization rejects the
 * proof. The proof is on disk before the row points at it. Concurrent uploads are recorded in batches.
 */
export class ProofUploads {
  readonly #deps: HubDeps;
  readonly #programs: ProgramFacts;
  readonly #batcher: MicroBatcher<ProofRecord, boolean>;

  constructor(
    options: { batchSizeMax: number; queuedMax: number },
    deps: HubDeps & { programs: ProgramFacts },
  ) {
    this.#deps = deps;
    this.#programs = deps.programs;
    this.#batcher = new MicroBatcher(options, { execute: (records) => this.#recordBatch(records) });
  }

  /** @throws LEASE_REQUIRED, PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, LEASE_NOT_ACTIVE */
  async upload(parameters: UploadProofParameters): Promise<void> {
    const { leaseId } = parameters;
    if (leaseId === undefined || leaseId === '') {
      throw new ProofGridError('LEASE_REQUIRED', {
        shortMessage: 'A proof upload must name the lease it was computed under.',
        details:
          'Add "lease_id" to the data field: it comes with the reservation (the ProofGrid-Lease-Id header and lease.json).',
      });
    }
    for (const [field, value] of Object.entries({
      organization_id: parameters.organizationId,
      program_id: parameters.programId,
      input_group_id: parameters.inputGroupId,
      lease_id: leaseId,
    })) {
      if (!isUuid(value)) {
        throw new ValidationError({
          message: `data.${field} is not an id: "${value}".`,
          details: 'Copy the ids from the lease.json (or the ProofGrid-* headers) of the reservation.',
        });
      }
    }
    if (parameters.proof.length === 0) {
      throw new ValidationError({
        message: 'The proof file is empty.',
        details: 'Upload the proof your run produced.',
      });
    }
    // The group must belong to the organization the donor names (the program's owner never changes).
    const program = await this.#programs.get(parameters.programId);
    if (program === undefined) throw new ProgramNotFoundError({ programId: parameters.programId });
    if (program.organization_id !== parameters.organizationId) throw new DonorGroupNotFoundError(parameters);
    const blob = await this.#deps.blobs.put(parameters.proof);
    const accepted = await this.#batcher.submit({
      inputGroupId: parameters.inputGroupId,
      programId: parameters.programId,
      leaseId,
      blobHash: blob.hash,
      blobSizeBytes: blob.sizeBytes,
    });
    if (accepted) return;
    // The reason for a refusal is looked up only then, off the hot path.
    const now = new Date(this.#deps.clock.nowMs());
    await releaseBlobs(this.#deps.store, [blob.hash], now);
    const group = await this.#deps.store.query(
      'SELECT 1 FROM input_group WHERE input_group_id = $1 AND program_id = $2',
      [parameters.inputGroupId, parameters.programId],
    );
    if (group.rowCount === 0) throw new DonorGroupNotFoundError(parameters);
    throw new LeaseNotActiveError({
      leaseId,
      reason: await whyLeaseInactive(this.#deps.store, parameters.inputGroupId, leaseId, now),
    });
  }

  async #recordBatch(records: ProofRecord[]): Promise<BatchOutcome<boolean>[]> {
    const accepted = new Set<ProofRecord>();
    // Two uploads for one group go in separate statements, so each is judged against the row it finds:
    // a repeated upload under a spent lease must not share the first one's success.
    let pending = records;
    while (pending.length > 0) {
      const round = new Map<string, ProofRecord>();
      for (const record of pending)
        if (!round.has(record.inputGroupId)) round.set(record.inputGroupId, record);
      const batch = [...round.values()];
      pending = pending.filter((record) => round.get(record.inputGroupId) !== record);
      const result = await this.#deps.store.query<{ input_group_id: string }>(RECORD_SQL, [
        new Date(this.#deps.clock.nowMs()),
        batch.map((record) => record.inputGroupId),
        batch.map((record) => record.programId),
        batch.map((record) => record.leaseId),
        batch.map((record) => record.blobHash),
        batch.map((record) => record.blobSizeBytes),
      ]);
      for (const row of result.rows) {
        const record = round.get(row.input_group_id);
        assert(record !== undefined, 'a recorded proof belongs to this round');
        accepted.add(record);
      }
    }
    return records.map((record) => ({ ok: true, value: accepted.has(record) }));
  }
}

async function whyLeaseInactive(
  db: Queryable,
  inputGroupId: string,
  leaseId: string,
  now: Date,
): Promise<string> {
  const found = await db.query<{
    lease_id: string | null;
    lease_expires_at: Date | null;
    proven_datetime: Date | null;
  }>('SELECT lease_id, lease_expires_at, proven_datetime FROM input_group WHERE input_group_id = $1', [
    inputGroupId,
  ]);
  const row = found.rows[0];
  if (row === undefined) return 'the input group was deleted';
  if (row.lease_id === null)
    return 'the group is under no lease (its organization put it back in the queue, or the id is wrong)';
  if (row.lease_id !== leaseId)
    return 'the group is now under another lease (yours expired and the group was handed out again, or the id is wrong)';
  if (row.proven_datetime !== null) return 'a proof was already uploaded under it';
  return `it expired at ${row.lease_expires_at?.toISOString() ?? 'an earlier time'} (now ${now.toISOString()})`;
}

/** The proof uploaded for one of the caller's groups. @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND */
export async function readProof(deps: HubDeps, key: GroupKey): Promise<Uint8Array> {
  await requireOwnProgram(deps.store, key);
  const group = await requireGroup(deps.store, key);
  if (group.proof_blob_hash === null) throw new ProofNotFoundError({ inputGroupId: key.inputGroupId });
  return deps.blobs.get(group.proof_blob_hash);
}

/**
 * The organization confirms a proof (seed 004's `DELETE /program/proof/...`): the group is marked verified
 * and keeps its proof, so nothing it owns disappears until it deletes it. Confirming twice is harmless.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND
 */
export async function confirmProof(deps: HubDeps, key: GroupKey): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, key);
    const group = await requireGroup(tx, key, { lock: true });
    if (group.proof_blob_hash === null) throw new ProofNotFoundError({ inputGroupId: key.inputGroupId });
    await tx.query(
      'UPDATE input_group SET verified_datetime = coalesce(verified_datetime, $2) WHERE input_group_id = $1',
      [key.inputGroupId, new Date(deps.clock.nowMs())],
    );
  });
}

/**
 * The organization rejects a group's proof (seed 004's `PATCH /program/proof/...`): the proof is dropped
 * and the group goes back in the queue at once, first in line. Only a proof awaiting verification can be
 * rejected: a confirmed result is kept until its group is deleted.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND, PROOF_ALREADY_CONFIRMED
 */
export async function rejectProof(deps: HubDeps, key: GroupKey): Promise<void> {
  const now = new Date(deps.clock.nowMs());
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, key);
    const group = await requireGroup(tx, key, { lock: true });
    if (group.proof_blob_hash === null) throw new ProofNotFoundError({ inputGroupId: key.inputGroupId });
    if (group.verified_datetime !== null) {
      throw new ProofGridError('PROOF_ALREADY_CONFIRMED', {
        shortMessage: `The proof of input group ${key.inputGroupId} was already confirmed; a confirmed result is kept.`,
        details:
          'To run the group again, delete it (DELETE /program/input/{program_id}/{input_group_id}) and upload its inputs anew.',
      });
    }
    await tx.query(
      `UPDATE input_group SET proven_datetime = NULL, proof_blob_hash = NULL, proof_size = NULL,
              last_reserved = NULL, lease_id = NULL, lease_expires_at = NULL
        WHERE input_group_id = $1`,
      [key.inputGroupId],
    );
    await releaseBlobs(tx, [group.proof_blob_hash], now);
  });
}

async function requireGroup(
  db: Queryable,
  { organizationId, programId, inputGroupId }: GroupKey,
  { lock = false }: { lock?: boolean } = {},
): Promise<{ proof_blob_hash: string | null; verified_datetime: Date | null }> {
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const found = await db.query<{
    proof_blob_hash: string | null;
    verified_datetime: Date | null;
    organization_id: string;
  }>(
    `SELECT g.proof_blob_hash, g.verified_datetime, p.organization_id FROM input_group g JOIN program p USING (program_id)
      WHERE g.input_group_id = $1 AND g.program_id = $2${lock ? ' FOR UPDATE OF g' : ''}`,
    [inputGroupId, programId],
  );
  const group = found.rows[0];
  if (group === undefined || group.organization_id !== organizationId)
    throw new InputGroupNotFoundError({ inputGroupId, programId });
  return group;
}
