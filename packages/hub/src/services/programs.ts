import { randomUUID } from 'node:crypto';
import { isUuid, ProofGridError } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { AccountNotFoundError, ProgramNotFoundError } from '../errors.ts';
import { validateProgramArchive } from '../programs/validateProgramArchive.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import type { Queryable } from '../store/Store.ts';
import { organizationExists } from './accounts.ts';
import { releaseBlobs } from './blobGarbage.ts';
import { likePrefix, type Page, pageWindow } from './pages.ts';

/** A program as the API lists it (seed 004's `StoredProgram`). */
export type ProgramSummary = {
  organization_id: string;
  program_id: string;
  name: string;
  description: string;
  input_lock_timeout: number;
};

export type ProgramPage = { programs: ProgramSummary[]; total_elements_amount: number };

export type UploadProgramParameters = {
  organizationId: string;
  name: string;
  description: string;
  /** Seconds a reservation lasts (`execution_timeout` in the upload, `input_lock_timeout` in listings). */
  executionTimeoutSeconds: number;
  archive: Uint8Array;
};

const SUMMARY_COLUMNS = 'organization_id, program_id, name, description, input_lock_timeout';

/**
 * Stores a program archive and records the program, after `validateProgramArchive` accepted it. The archive
 * is stored before the row, so a crash between the two leaves only an unreferenced blob.
 *
 * @throws INVALID_TAR, INVALID_MANIFEST, INVALID_MODULE, NOIR_COMPILE_FAILED, INVALID_NOIR_PROGRAM,
 *   CIRCUIT_TOO_LARGE, PROGRAM_NAME_TAKEN
 */
export async function uploadProgram(
  deps: HubDeps,
  parameters: UploadProgramParameters,
): Promise<{ programId: string }> {
  const { manifest, compiled } = await validateProgramArchive(parameters.archive, deps);
  const blob = await deps.blobs.put(parameters.archive);
  const programId = randomUUID();
  const now = new Date(deps.clock.nowMs());
  try {
    await deps.store.query(
      `INSERT INTO program (program_id, organization_id, name, description, input_lock_timeout, blob_hash, blob_size, created_at, manifest,
                            circuit, verification_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        programId,
        parameters.organizationId,
        parameters.name,
        parameters.description,
        parameters.executionTimeoutSeconds,
        blob.hash,
        blob.sizeBytes,
        now,
        manifest === null ? null : JSON.stringify(manifest),
        compiled === null ? null : JSON.stringify(compiled.circuit),
        compiled?.verificationKey ?? null,
      ],
    );
  } catch (error) {
    await releaseBlobs(deps.store, [blob.hash], now);
    if (!isUniqueViolation(error)) throw error;
    throw new ProofGridError('PROGRAM_NAME_TAKEN', {
      shortMessage: `You already have a program named "${parameters.name}".`,
      details: 'Choose another name, or delete the old program first (DELETE /program/{program_id}).',
    });
  }
  return { programId };
}

/** Lists every program (`scope: 'all'`, optional name prefix) or one organization's. */
export async function listPrograms(
  deps: HubDeps,
  query: { page: Page } & (
    | { scope: 'all'; nameFilter: string | undefined }
    | { scope: 'organization'; organizationId: string }
  ),
): Promise<ProgramPage> {
  const [where, parameter] =
    query.scope === 'all'
      ? ['name LIKE $1', likePrefix(query.nameFilter ?? '')]
      : ['organization_id = $1', query.organizationId];
  return pagePrograms(deps, { where, parameter, page: query.page });
}

/** One page of the programs matching `where` (with `$1` = `parameter`), oldest first, and their total. */
async function pagePrograms(
  deps: HubDeps,
  { where, parameter, page }: { where: string; parameter: string; page: Page },
): Promise<ProgramPage> {
  const { limit, offset } = pageWindow(page);
  const rows = await deps.store.query<ProgramSummary>(
    `SELECT ${SUMMARY_COLUMNS} FROM program WHERE ${where} ORDER BY created_at, program_id LIMIT $2 OFFSET $3`,
    [parameter, limit, offset],
  );
  const total = await deps.store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM program WHERE ${where}`,
    [parameter],
  );
  return { programs: rows.rows, total_elements_amount: total.rows[0]?.n ?? 0 };
}

/** Lists an organization's programs, answering ACCOUNT_NOT_FOUND for an unknown organization. */
export async function listOrganizationPrograms(
  deps: HubDeps,
  organizationId: string,
  page: Page,
): Promise<ProgramPage> {
  if (!(await organizationExists(deps, organizationId))) throw new AccountNotFoundError({ organizationId });
  return listPrograms(deps, { scope: 'organization', organizationId, page });
}

/** Lists the caller's programs that have at least one proof awaiting its verification. */
export async function listProgramsWithPendingProofs(
  deps: HubDeps,
  organizationId: string,
  page: Page,
): Promise<ProgramPage> {
  const where = `organization_id = $1 AND EXISTS (SELECT 1 FROM input_group g WHERE g.program_id = program.program_id
    AND g.proven_datetime IS NOT NULL AND g.verified_datetime IS NULL)`;
  return pagePrograms(deps, { where, parameter: organizationId, page });
}

/** A program's stored record. @throws PROGRAM_NOT_FOUND */
async function findProgram(
  deps: HubDeps,
  programId: string,
): Promise<ProgramSummary & { blob_hash: string; blob_size: number }> {
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  const found = await deps.store.query<ProgramSummary & { blob_hash: string; blob_size: number }>(
    `SELECT ${SUMMARY_COLUMNS}, blob_hash, blob_size FROM program WHERE program_id = $1`,
    [programId],
  );
  const program = found.rows[0];
  if (program === undefined) throw new ProgramNotFoundError({ programId });
  return program;
}

/** The program archive (a tar), readable by anyone: donors need the code they run. */
export async function readProgramArchive(deps: HubDeps, programId: string): Promise<Uint8Array> {
  const program = await findProgram(deps, programId);
  return deps.blobs.get(program.blob_hash);
}

/**
 * Asserts that `programId` names a program of `organizationId` (locking the row inside a transaction).
 * Another organization's program is reported as not found, so its existence is not revealed.
 *
 * @throws PROGRAM_NOT_FOUND
 */
export async function requireOwnProgram(
  db: Queryable,
  { organizationId, programId, lock = false }: { organizationId: string; programId: string; lock?: boolean },
): Promise<void> {
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  const found = await db.query(
    `SELECT 1 FROM program WHERE program_id = $1 AND organization_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [programId, organizationId],
  );
  if (found.rowCount === 0) throw new ProgramNotFoundError({ programId });
}

/** Deletes a program with its input groups, inputs and proofs. @throws PROGRAM_NOT_FOUND */
export async function deleteProgram(
  deps: HubDeps,
  { organizationId, programId }: { organizationId: string; programId: string },
) {
  const now = new Date(deps.clock.nowMs());
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, { organizationId, programId, lock: true });
    const proofs = await tx.query<{ proof_blob_hash: string | null }>(
      'SELECT proof_blob_hash FROM input_group WHERE program_id = $1 AND proof_blob_hash IS NOT NULL',
      [programId],
    );
    const deleted = await tx.query<{ blob_hash: string }>(
      'DELETE FROM program WHERE program_id = $1 RETURNING blob_hash',
      [programId],
    );
    await releaseBlobs(
      tx,
      [...deleted.rows.map((row) => row.blob_hash), ...proofs.rows.map((row) => row.proof_blob_hash)],
      now,
    );
  });
}
