import { isUuid, ProofGridError } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import {
  InputGroupNotFoundError,
  LeaseNotActiveError,
  ProgramNotFoundError,
  ProofNotFoundError,
} from '../errors.ts';
import type { Queryable } from '../store/Store.ts';
import { releaseBlobs } from './blobGarbage.ts';
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

/**
 * Records a donor's proof for an input group. It is accepted only under the active lease on that group
 * and only once: the lease ends with the upload, and the group is not handed out again unless its
 * organization rejects the proof. The proof is on disk before the row points at it.
 *
 * @throws LEASE_REQUIRED, PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, LEASE_NOT_ACTIVE
 */
export async function uploadProof(deps: HubDeps, parameters: UploadProofParameters): Promise<void> {
  const { leaseId } = parameters;
  if (leaseId === undefined || leaseId === '') {
    throw new ProofGridError('LEASE_REQUIRED', {
      shortMessage: 'A proof upload must name the lease it was computed under.',
      details:
        'Add "lease_id" to the data field: it comes with the reservation (the ProofGrid-Lease-Id header and lease.json).',
    });
  }
  if (!isUuid(parameters.programId)) throw new ProgramNotFoundError({ programId: parameters.programId });
  if (!isUuid(parameters.inputGroupId) || !isUuid(parameters.organizationId)) {
    throw new InputGroupNotFoundError({
      inputGroupId: parameters.inputGroupId,
      programId: parameters.programId,
    });
  }
  if (!isUuid(leaseId)) throw new LeaseNotActiveError({ leaseId, reason: 'it is not a lease id' });
  const blob = await deps.blobs.put(parameters.proof);
  const now = new Date(deps.clock.nowMs());
  // One round trip when all is well; the reason for a refusal is looked up only then.
  const updated = await deps.store.query(
    `UPDATE input_group g SET proven_datetime = $5, proof_blob_hash = $6, proof_size = $7, lease_expires_at = NULL
       FROM program p
      WHERE g.input_group_id = $1 AND g.program_id = $2 AND p.program_id = g.program_id AND p.organization_id = $3
        AND g.lease_id = $4 AND g.lease_expires_at > $5 AND g.proven_datetime IS NULL`,
    [
      parameters.inputGroupId,
      parameters.programId,
      parameters.organizationId,
      leaseId,
      now,
      blob.hash,
      blob.sizeBytes,
    ],
  );
  if (updated.rowCount === 1) return;
  await releaseBlobs(deps.store, [blob.hash], now);
  await requireGroup(deps.store, parameters);
  throw new LeaseNotActiveError({
    leaseId,
    reason: await whyLeaseInactive(deps.store, parameters.inputGroupId, leaseId, now),
  });
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
  if (row.lease_id !== leaseId)
    return 'the group is leased under another id (yours expired and was handed out again, or never existed)';
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
 * The organization rejects a group's proof (seed 004's `PATCH /program/proof/...`): the proof is dropped, any
 * lease ends, and the group can be reserved again at once. With no proof it just frees the group.
 *
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND
 */
export async function rejectProof(deps: HubDeps, key: GroupKey): Promise<void> {
  const now = new Date(deps.clock.nowMs());
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, key);
    const group = await requireGroup(tx, key, { lock: true });
    await tx.query(
      `UPDATE input_group SET proven_datetime = NULL, proof_blob_hash = NULL, proof_size = NULL, verified_datetime = NULL,
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
): Promise<{ proof_blob_hash: string | null }> {
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const found = await db.query<{ proof_blob_hash: string | null; organization_id: string }>(
    `SELECT g.proof_blob_hash, p.organization_id FROM input_group g JOIN program p USING (program_id)
      WHERE g.input_group_id = $1 AND g.program_id = $2${lock ? ' FOR UPDATE OF g' : ''}`,
    [inputGroupId, programId],
  );
  const group = found.rows[0];
  if (group === undefined || group.organization_id !== organizationId)
    throw new InputGroupNotFoundError({ inputGroupId, programId });
  return group;
}
