import { isUuid } from '@proofgrid/core';
import { ProgramNotFoundError } from '../errors.ts';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { ProgramFacts } from './ProgramFacts.ts';

/**
 * The facts of `programId` when it is a program of `organizationId`. Another organization's program is
 * reported as not found, so its existence is not revealed.
 *
 * @throws PROGRAM_NOT_FOUND
 */
export async function requireOwnProgram(
  programs: ProgramFacts,
  { organizationId, programId }: { organizationId: string; programId: string },
): Promise<ProgramFact> {
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  const program = await programs.get(programId);
  if (program === undefined || program.organizationId !== organizationId)
    throw new ProgramNotFoundError({ programId });
  return program;
}
