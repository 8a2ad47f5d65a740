import { randomUUID } from 'node:crypto';
import { InvalidTarError, ProofGridError, readTar } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';

export type UploadProgramParameters = {
  organizationId: string;
  name: string;
  description: string;
  /** Seconds a lease lasts (`execution_timeout` in the upload, `input_lock_timeout` in listings). */
  leaseSeconds: number;
  archive: Uint8Array;
};

/**
 * Checks a program archive with the runtime that claims it (a WebAssembly module must pass the sandbox's
 * checks; a Noir project must compile and fit the CRS, its key is computed), stores it and records the
 * program. The archive is stored before the row; if the row is refused, the sweep deletes the archive.
 *
 * @throws INVALID_TAR, INVALID_MANIFEST, INVALID_MODULE, NOIR_COMPILE_FAILED, INVALID_NOIR_PROGRAM,
 *   CIRCUIT_TOO_LARGE, TOO_MANY_REQUESTS (compiles queued), PROGRAM_NAME_TAKEN
 */
export async function uploadProgram(
  ctx: HubContext,
  parameters: UploadProgramParameters,
): Promise<{ programId: string }> {
  const files = readTar(parameters.archive).filter((entry) => entry.type === 'file');
  if (files.length === 0) throw new InvalidTarError({ reason: 'it holds no file' });
  const { runtime, archive } = ctx.runtimes.resolve(files);
  const validated = await runtime.validateUpload(archive);
  const blob = await ctx.blobWrites.put(parameters.archive);
  const programId = randomUUID();
  try {
    await ctx.store.query(
      `INSERT INTO program (program_id, organization_id, name, description, input_lock_timeout, blob_hash, blob_size,
                            created_at, runtime, manifest, artifact)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        programId,
        parameters.organizationId,
        parameters.name,
        parameters.description,
        parameters.leaseSeconds,
        blob.hash,
        blob.sizeBytes,
        new Date(ctx.clock.nowMs()),
        runtime.name,
        validated.manifest === null ? null : JSON.stringify(validated.manifest),
        validated.artifact === null ? null : JSON.stringify(validated.artifact),
      ],
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ProofGridError('PROGRAM_NAME_TAKEN', {
      shortMessage: `You already have a program named "${parameters.name}".`,
      details: 'Choose another name, or delete the old program first.',
      action: 'delete_program',
    });
  }
  return { programId };
}
