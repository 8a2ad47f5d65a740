import { randomUUID } from 'node:crypto';
import { assert, isUuid } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { NoInputGroupAvailableError, ProgramNotFoundError } from '../errors.ts';

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
  if (!isUuid(programId)) throw new ProgramNotFoundError({ programId });
  const nowMs = deps.clock.nowMs();
  const leaseId = randomUUID();
  // One round trip on the hot path: read the program, claim a group, read its values.
  const result = await deps.store.query<{
    organization_id: string;
    input_lock_timeout: number;
    blob_hash: string;
    input_group_id: string | null;
    lease_expires_at: Date | null;
    input_values: Uint8Array[] | null;
  }>(
    `WITH program_row AS (
       SELECT organization_id, input_lock_timeout, blob_hash FROM program WHERE program_id = $1
     ), claimed AS (
       UPDATE input_group
          SET lease_id = $2, last_reserved = $3,
              lease_expires_at = $3::timestamptz + make_interval(secs => (SELECT input_lock_timeout FROM program_row))
        WHERE input_group_id = (
          SELECT input_group_id FROM input_group
           WHERE program_id = $1 AND proven_datetime IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
           ORDER BY last_reserved NULLS FIRST, created_at
           LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING input_group_id, lease_expires_at
     )
     SELECT p.organization_id, p.input_lock_timeout, p.blob_hash, c.input_group_id, c.lease_expires_at,
            (SELECT array_agg(v.value ORDER BY v.position) FROM input_value v WHERE v.input_group_id = c.input_group_id)
              AS input_values
       FROM program_row p LEFT JOIN claimed c ON TRUE`,
    [programId, leaseId, new Date(nowMs)],
  );
  const row = result.rows[0];
  if (row === undefined) throw new ProgramNotFoundError({ programId });
  if (row.input_group_id === null) {
    throw new NoInputGroupAvailableError({ programId, counts: await countStates(deps, programId, nowMs) });
  }
  assert(result.rowCount === 1, 'a reservation claims exactly one group');
  assert(
    row.lease_expires_at !== null && row.input_values !== null,
    'a claimed group has a deadline and values',
  );
  assert(
    row.lease_expires_at.getTime() === nowMs + row.input_lock_timeout * 1000,
    'the lease lasts input_lock_timeout',
  );
  const lease: Lease = {
    lease_id: leaseId,
    organization_id: row.organization_id,
    program_id: programId,
    input_group_id: row.input_group_id,
    expires_at: row.lease_expires_at.toISOString(),
    input_lock_timeout: row.input_lock_timeout,
  };
  return { lease, program: { blob_hash: row.blob_hash }, values: row.input_values };
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
