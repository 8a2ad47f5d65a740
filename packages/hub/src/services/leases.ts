import { randomUUID } from 'node:crypto';
import { assert, isUuid, ProofGridError } from '@proofgrid/core';
import { type BatchOutcome, MicroBatcher } from '../batching/MicroBatcher.ts';
import type { HubDeps } from '../deps.ts';
import { NoInputGroupAvailableError, ProgramNotFoundError } from '../errors.ts';
import type { ProgramFacts } from './ProgramFacts.ts';

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

/** What a reservation hands out: the lease, the program's blob and the group's values in order. */
export type Reservation = { lease: Lease; program: { blob_hash: string }; values: Uint8Array[] };

type ClaimRow = { input_group_id: string; lease_id: string; input_values: Uint8Array[] };

/**
 * Claims up to `cardinality($2)` available groups of a program in one statement, giving the n-th claimed
 * group the n-th lease id. A group is available when it has no proof and no unexpired lease; never-reserved
 * groups go first, then the longest-expired. `FOR UPDATE SKIP LOCKED` makes concurrent statements, even
 * from several hubs, take different rows.
 */
const CLAIM_SQL = `
  WITH picked AS (
    SELECT input_group_id, row_number() OVER () AS slot FROM (
      SELECT input_group_id FROM input_group
       WHERE program_id = $1 AND proven_datetime IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
       ORDER BY last_reserved NULLS FIRST, created_at
       LIMIT cardinality($2::uuid[]) FOR UPDATE SKIP LOCKED) AS available
  )
  UPDATE input_group g SET lease_id = ($2::uuid[])[picked.slot], last_reserved = $3, lease_expires_at = $4
    FROM picked WHERE g.input_group_id = picked.input_group_id
  RETURNING g.input_group_id, g.lease_id,
            (SELECT array_agg(v.value ORDER BY v.position) FROM input_value v WHERE v.input_group_id = g.input_group_id)
              AS input_values`;

/**
 * Hands out leases on input groups (seed 004's reservation). Concurrent requests are served in batches —
 * one statement per program per batch — so a busy hub pays one round trip for many donors.
 */
export class Reservations {
  readonly #deps: HubDeps;
  readonly #programs: ProgramFacts;
  readonly #batcher: MicroBatcher<string, Reservation>;

  constructor(
    options: { batchSizeMax: number; queuedMax: number },
    deps: HubDeps & { programs: ProgramFacts },
  ) {
    this.#deps = deps;
    this.#programs = deps.programs;
    this.#batcher = new MicroBatcher(options, { execute: (programIds) => this.#reserveBatch(programIds) });
  }

  /**
   * Leases the next available input group of a program to whoever asks.
   *
   * @throws PROGRAM_NOT_FOUND; INPUT_GROUP_NOT_FOUND (saying why) when nothing is available
   */
  reserve(programId: string): Promise<Reservation> {
    if (!isUuid(programId)) return Promise.reject(new ProgramNotFoundError({ programId }));
    return this.#batcher.submit(programId);
  }

  async #reserveBatch(programIds: string[]): Promise<BatchOutcome<Reservation>[]> {
    const outcomes: BatchOutcome<Reservation>[] = new Array(programIds.length);
    const slotsByProgram = new Map<string, number[]>();
    for (const [index, programId] of programIds.entries()) {
      slotsByProgram.set(programId, [...(slotsByProgram.get(programId) ?? []), index]);
    }
    for (const [programId, slots] of slotsByProgram) {
      const claims = await this.#claim(programId, slots.length);
      for (const [position, slot] of slots.entries()) {
        const claim = claims[position];
        assert(claim !== undefined, 'one outcome per requested lease');
        outcomes[slot] = claim;
      }
    }
    return outcomes;
  }

  /** Claims `count` groups of one program; returns one outcome per requested lease, in order. */
  async #claim(programId: string, count: number): Promise<BatchOutcome<Reservation>[]> {
    const program = await this.#programs.get(programId);
    if (program?.has_manifest) {
      const error = new ProofGridError('INPUT_GROUP_NOT_FOUND', {
        shortMessage: `Program ${programId} runs on ProofGrid workers: its tasks are leased to registered workers, not reserved.`,
        details: 'Register a worker (POST /worker/register) and ask it for work (POST /worker/lease).',
      });
      return Array.from({ length: count }, () => ({ ok: false, error }));
    }
    if (program === undefined)
      return Array.from({ length: count }, () => ({
        ok: false,
        error: new ProgramNotFoundError({ programId }),
      }));
    const nowMs = this.#deps.clock.nowMs();
    const expiresAt = new Date(nowMs + program.input_lock_timeout * 1000);
    const leaseIds = Array.from({ length: count }, () => randomUUID());
    const result = await this.#deps.store.query<ClaimRow>(CLAIM_SQL, [
      programId,
      leaseIds,
      new Date(nowMs),
      expiresAt,
    ]);
    assert(result.rows.length <= count, 'a claim takes at most one group per requested lease');
    const byLease = new Map(result.rows.map((row) => [row.lease_id, row]));
    let unavailable: Error | undefined;
    if (byLease.size < count) {
      // Deleted since it was cached, or simply nothing left: say which.
      unavailable = (await this.#programs.exists(programId))
        ? new NoInputGroupAvailableError({ programId, counts: await this.#countStates(programId, nowMs) })
        : new ProgramNotFoundError({ programId });
    }
    return leaseIds.map((leaseId) => {
      const row = byLease.get(leaseId);
      if (row === undefined) return { ok: false, error: unavailable };
      const lease: Lease = {
        lease_id: leaseId,
        organization_id: program.organization_id,
        program_id: programId,
        input_group_id: row.input_group_id,
        expires_at: expiresAt.toISOString(),
        input_lock_timeout: program.input_lock_timeout,
      };
      return {
        ok: true,
        value: { lease, program: { blob_hash: program.blob_hash }, values: row.input_values },
      };
    });
  }

  /** How many groups of a program are in each state: the explanation when none can be reserved. */
  async #countStates(programId: string, nowMs: number): Promise<Record<string, number>> {
    const result = await this.#deps.store.query<{
      leased: number;
      awaiting_verification: number;
      verified: number;
    }>(
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
}
