import { randomUUID } from 'node:crypto';
import { assert } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { NoInputGroupAvailableError } from '../errors.ts';
import { readInputValues } from './inputGroups.ts';
import { findProgram } from './programs.ts';

/** A donor's time-limited claim on one input group; the proof upload must name it. */
export type Lease = {
  lease_id: string;
  organization_id: string;
  program_id: string;
  input_group_id: string;
  /** RFC 3339, UTC. */
  expires_at: string;
  input_lock_timeout: number;
};

/**
 * Leases the next available input group of a program to whoever asks (seed 004's reservation) and returns
 * it with its values. A group is available when it has no proof and no unexpired lease; never-reserved
 * groups go first, then the longest-expired. One atomic statement picks and claims the row (`FOR UPDATE
 * SKIP LOCKED`), so concurrent requests, even on several hubs, never get the same group.
 *
 * @throws PROGRAM_NOT_FOUND; INPUT_GROUP_NOT_FOUND (saying why) when nothing is available
 */
export async function reserveInputGroup(
  deps: HubDeps,
  programId: string,
): Promise<{ lease: Lease; program: { blob_hash: string }; values: Uint8Array[] }> {
  const program = await findProgram(deps, programId);
  const nowMs = deps.clock.nowMs();
  const expiresAt = new Date(nowMs + program.input_lock_timeout * 1000);
  const leaseId = randomUUID();
  const claimed = await deps.store.query<{ input_group_id: string }>(
    `UPDATE input_group SET lease_id = $2, last_reserved = $3, lease_expires_at = $4
      WHERE input_group_id = (
        SELECT input_group_id FROM input_group
         WHERE program_id = $1 AND proven_datetime IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
         ORDER BY last_reserved NULLS FIRST, created_at
         LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING input_group_id`,
    [programId, leaseId, new Date(nowMs), expiresAt],
  );
  const inputGroupId = claimed.rows[0]?.input_group_id;
  if (inputGroupId === undefined)
    throw new NoInputGroupAvailableError({ programId, counts: await countStates(deps, programId, nowMs) });
  assert(claimed.rowCount === 1, 'a reservation claims exactly one group');
  const values = await readInputValues(deps.store, inputGroupId);
  const lease: Lease = {
    lease_id: leaseId,
    organization_id: program.organization_id,
    program_id: programId,
    input_group_id: inputGroupId,
    expires_at: expiresAt.toISOString(),
    input_lock_timeout: program.input_lock_timeout,
  };
  return { lease, program, values };
}

/** How many groups of a program are in each state: the explanation when none can be reserved. */
async function countStates(deps: HubDeps, programId: string, nowMs: number): Promise<Record<string, number>> {
  const result = await deps.store.query<{ leased: number; awaiting_verification: number; verified: number }>(
    `SELECT count(*) FILTER (WHERE proven_datetime IS NULL AND lease_expires_at > $2)::int AS leased,
            count(*) FILTER (WHERE proven_datetime IS NOT NULL AND verified_datetime IS NULL)::int AS awaiting_verification,
            count(*) FILTER (WHERE verified_datetime IS NOT NULL)::int AS verified
       FROM input_group WHERE program_id = $1`,
    [programId, new Date(nowMs)],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'an aggregate returns one row');
  return { leased: row.leased, 'awaiting verification': row.awaiting_verification, verified: row.verified };
}
