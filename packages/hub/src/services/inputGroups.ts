import { randomUUID } from 'node:crypto';
import { formatNaiveDatetime, isUuid, ProofGridError, parseInputCsv } from '@proofgrid/core';
import { type NoirCircuit, rowsFromValues, valuesFromMapping, valuesFromRows } from '@proofgrid/runtime';
import { parse as parseToml } from 'smol-toml';
import { INPUT_VALUES_PER_INSERT_MAX } from '../constants.ts';
import type { HubDeps } from '../deps.ts';
import { InputGroupNotFoundError } from '../errors.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import type { Queryable } from '../store/Store.ts';
import { releaseBlobs } from './blobGarbage.ts';
import { type Page, pageWindow } from './pages.ts';
import { requireOwnProgram } from './programs.ts';

/** An input group as the API lists it: seed 004's fields, then ProofGrid's. */
export type InputGroupSummary = {
  input_group_id: string;
  program_id: string;
  name: string;
  last_reserved: string | null;
  proven_datetime: string | null;
  verified_datetime: string | null;
  lease_expires_at: string | null;
  value_count: number;
};

/** Which groups a listing shows: all, those with a proof, those whose proof awaits verification, the verified. */
export type InputGroupFilter = 'all' | 'proven' | 'pending' | 'verified';

type InputGroupRow = {
  input_group_id: string;
  program_id: string;
  name: string;
  last_reserved: Date | null;
  proven_datetime: Date | null;
  verified_datetime: Date | null;
  lease_expires_at: Date | null;
  value_count: number;
};

const FILTER_SQL: Record<InputGroupFilter, string> = {
  all: 'TRUE',
  proven: 'proven_datetime IS NOT NULL',
  pending: 'proven_datetime IS NOT NULL AND verified_datetime IS NULL',
  verified: 'verified_datetime IS NOT NULL',
};

/**
 * The values of one task. For a Noir program they must fit main()'s parameters, checked now rather than
 * on a donor; besides the CSV (one row per parameter) a Noir program takes a `Prover.toml` or JSON mapping
 * of parameter names, stored as the same rows.
 */
async function taskValues(deps: HubDeps, { programId, csv }: { programId: string; csv: Uint8Array }) {
  const program = await deps.store.query<{ circuit: NoirCircuit | null }>(
    'SELECT circuit FROM program WHERE program_id = $1',
    [programId],
  );
  const circuit = program.rows[0]?.circuit ?? null;
  if (circuit === null) return parseInputCsv(csv);
  let rows: Uint8Array[];
  try {
    rows = parseInputCsv(csv);
  } catch (csvError) {
    const mapping = parseMapping(csv);
    if (mapping === undefined) throw csvError;
    return rowsFromValues(circuit.abi, valuesFromMapping(circuit.abi, mapping));
  }
  valuesFromRows(circuit.abi, rows);
  return rows;
}

/** A Prover.toml or JSON object naming each parameter; undefined when the bytes are neither. */
function parseMapping(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  for (const parse of [JSON.parse, parseToml] as const) {
    try {
      const parsed: unknown = parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // Not this format; try the next.
    }
  }
  return undefined;
}

/**
 * Stores one input group from its CSV (one base64 value per row), all in one transaction: a crash leaves
 * either the whole group or nothing.
 *
 * @throws PROGRAM_NOT_FOUND, BAD_BASE_64_ENCODING, INVALID_CSV, PAYLOAD_TOO_LARGE, INPUT_GROUP_NAME_TAKEN,
 *   INVALID_NOIR_INPUT
 */
export async function uploadInputGroup(
  deps: HubDeps,
  {
    organizationId,
    programId,
    name,
    csv,
  }: { organizationId: string; programId: string; name: string; csv: Uint8Array },
): Promise<{ inputGroupId: string }> {
  await requireOwnProgram(deps.store, { organizationId, programId });
  const values = await taskValues(deps, { programId, csv });
  const inputGroupId = randomUUID();
  try {
    await deps.store.transaction(async (tx) => {
      await requireOwnProgram(tx, { organizationId, programId, lock: true });
      await tx.query(
        'INSERT INTO input_group (input_group_id, program_id, name, value_count, created_at) VALUES ($1, $2, $3, $4, $5)',
        [inputGroupId, programId, name, values.length, new Date(deps.clock.nowMs())],
      );
      await insertValues(tx, inputGroupId, values);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ProofGridError('INPUT_GROUP_NAME_TAKEN', {
      shortMessage: `Program ${programId} already has an input group named "${name}".`,
      details:
        'Give the group another name, or delete the old one (DELETE /program/input/{program_id}/{input_group_id}).',
    });
  }
  return { inputGroupId };
}

async function insertValues(
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

/** Lists the input groups of the caller's program. @throws PROGRAM_NOT_FOUND */
export async function listInputGroups(
  deps: HubDeps,
  {
    organizationId,
    programId,
    page,
    filter,
  }: { organizationId: string; programId: string; page: Page; filter: InputGroupFilter },
): Promise<{ program_input_groups: InputGroupSummary[]; total_elements_amount: number }> {
  await requireOwnProgram(deps.store, { organizationId, programId });
  const { limit, offset } = pageWindow(page);
  const where = `program_id = $1 AND ${FILTER_SQL[filter]}`;
  const rows = await deps.store.query<InputGroupRow>(
    `SELECT input_group_id, program_id, name, last_reserved, proven_datetime, verified_datetime,
            CASE WHEN proven_datetime IS NULL THEN lease_expires_at END AS lease_expires_at, value_count
       FROM input_group WHERE ${where} ORDER BY created_at, input_group_id LIMIT $2 OFFSET $3`,
    [programId, limit, offset],
  );
  const total = await deps.store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM input_group WHERE ${where}`,
    [programId],
  );
  return { program_input_groups: rows.rows.map(toSummary), total_elements_amount: total.rows[0]?.n ?? 0 };
}

function toSummary(row: InputGroupRow): InputGroupSummary {
  const format = (date: Date | null) => (date === null ? null : formatNaiveDatetime(date));
  return {
    input_group_id: row.input_group_id,
    program_id: row.program_id,
    name: row.name,
    last_reserved: format(row.last_reserved),
    proven_datetime: format(row.proven_datetime),
    verified_datetime: format(row.verified_datetime),
    lease_expires_at: row.lease_expires_at === null ? null : row.lease_expires_at.toISOString(),
    value_count: row.value_count,
  };
}

/** Deletes an input group of the caller's program with its inputs and proof. @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND */
export async function deleteInputGroup(
  deps: HubDeps,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await requireOwnProgram(tx, { organizationId, programId });
    if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
    const deleted = await tx.query<{ proof_blob_hash: string | null }>(
      'DELETE FROM input_group WHERE input_group_id = $1 AND program_id = $2 RETURNING proof_blob_hash',
      [inputGroupId, programId],
    );
    const row = deleted.rows[0];
    if (row === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
    await releaseBlobs(tx, [row.proof_blob_hash], new Date(deps.clock.nowMs()));
  });
}
