import { randomUUID } from 'node:crypto';
import { ProofGridError } from '@proofgrid/core';
import { INPUT_VALUES_PER_INSERT_MAX } from '../constants.ts';
import type { HubContext } from '../context.ts';
import { ProgramNotFoundError } from '../errors.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import type { Queryable } from '../store/Store.ts';
import { createTask } from '../tasks/createTask.ts';

/**
 * Stores one input group from its uploaded file (a CSV of base64 values; a Noir program also takes a
 * Prover.toml or JSON mapping), checked by the program's runtime, and opens its task, all in one
 * transaction: a crash leaves the whole group with its task, or nothing.
 *
 * @throws PROGRAM_NOT_FOUND, BAD_BASE_64_ENCODING, INVALID_CSV, PAYLOAD_TOO_LARGE, INPUT_GROUP_NAME_TAKEN,
 *   INVALID_NOIR_INPUT
 */
export async function uploadInputGroup(
  ctx: HubContext,
  {
    organizationId,
    programId,
    name,
    file,
  }: { organizationId: string; programId: string; name: string; file: Uint8Array },
): Promise<{ inputGroupId: string }> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  const values = await ctx.runtimes.get(program.runtime).parseInputs(program, file);
  const inputGroupId = randomUUID();
  const now = new Date(ctx.clock.nowMs());
  try {
    await ctx.store.transaction(async (tx) => {
      // The program's row is locked so that a concurrent delete cannot leave a group without its program.
      const locked = await tx.query(
        'SELECT 1 FROM program WHERE program_id = $1 AND organization_id = $2 FOR UPDATE',
        [programId, organizationId],
      );
      if (locked.rowCount === 0) throw new ProgramNotFoundError({ programId });
      await tx.query(
        'INSERT INTO input_group (input_group_id, program_id, name, value_count, created_at) VALUES ($1, $2, $3, $4, $5)',
        [inputGroupId, programId, name, values.length, now],
      );
      await insertValues(tx, inputGroupId, values);
      await createTask(tx, { program, taskId: inputGroupId, now });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ProofGridError('INPUT_GROUP_NAME_TAKEN', {
      shortMessage: `Program ${programId} already has an input group named "${name}".`,
      details: 'Give the group another name, or delete the old one.',
      action: 'delete_input_group',
    });
  }
  return { inputGroupId };
}

export async function insertValues(
  tx: Queryable,
  inputGroupId: string,
  values: readonly Uint8Array[],
): Promise<void> {
  for (let start = 0; start < values.length; start += INPUT_VALUES_PER_INSERT_MAX) {
    const chunk = values.slice(start, start + INPUT_VALUES_PER_INSERT_MAX);
    const positions = chunk.map((_, index) => start + index);
    await tx.query(
      `INSERT INTO input_value (input_group_id, position, value)
       SELECT $1, p, v FROM unnest($2::integer[], $3::bytea[]) AS t(p, v)`,
      [inputGroupId, positions, chunk],
    );
  }
}
