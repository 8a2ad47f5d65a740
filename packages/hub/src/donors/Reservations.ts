import { assert, isUuid, ProofGridError } from '@proofgrid/core';
import { type BatchOutcome, MicroBatcher } from '../batching/MicroBatcher.ts';
import type { HubContext } from '../context.ts';
import { NoInputGroupAvailableError, ProgramNotFoundError } from '../errors.ts';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';

/** A donor's time-limited claim on one task (seed 004's reservation); the proof upload must name it. */
export type DonorReservation = {
  leaseId: string;
  program: ProgramFact;
  taskId: string;
  expiresAt: Date;
  values: Uint8Array[];
};

/** A task a donor may reserve: open, with fewer submitted or live replicas than it wants. */
const RESERVABLE_SQL = `t.state = 'open' AND (SELECT count(*) FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
  AND (r.state = 'submitted' OR (r.state = 'leased' AND r.lease_expires_at > $2))) < t.replicas_wanted`;

/**
 * Leases tasks of seed 004's programs to anonymous donors, as replicas without a worker. Concurrent
 * requests are served in batches — one transaction per program per batch — so a busy hub pays a few
 * statements for many donors. Never-reserved tasks go first, then the longest-expired.
 */
export class Reservations {
  readonly #ctx: HubContext;
  readonly #batcher: MicroBatcher<string, DonorReservation>;

  constructor(options: { batchSizeMax: number; queuedMax: number }, deps: { ctx: HubContext }) {
    this.#ctx = deps.ctx;
    this.#batcher = new MicroBatcher(options, { execute: (programIds) => this.#reserveBatch(programIds) });
  }

  /**
   * Leases the next available task of a program to whoever asks.
   *
   * @throws PROGRAM_NOT_FOUND; INPUT_GROUP_NOT_FOUND (saying why) when nothing is available or the program
   *   is run by workers
   */
  reserve(programId: string): Promise<DonorReservation> {
    if (!isUuid(programId)) return Promise.reject(new ProgramNotFoundError({ programId }));
    return this.#batcher.submit(programId);
  }

  async #reserveBatch(programIds: string[]): Promise<BatchOutcome<DonorReservation>[]> {
    const outcomes: BatchOutcome<DonorReservation>[] = new Array(programIds.length);
    const slotsByProgram = new Map<string, number[]>();
    for (const [index, programId] of programIds.entries())
      slotsByProgram.set(programId, [...(slotsByProgram.get(programId) ?? []), index]);
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

  /** Claims `count` tasks of one program; one outcome per requested lease, in order. */
  async #claim(programId: string, count: number): Promise<BatchOutcome<DonorReservation>[]> {
    const program = await this.#ctx.programs.get(programId);
    const refuse = (error: Error) => Array.from({ length: count }, () => ({ ok: false as const, error }));
    if (program === undefined) return refuse(new ProgramNotFoundError({ programId }));
    if (!this.#ctx.runtimes.get(program.runtime).donorReservations)
      return refuse(
        new ProofGridError('INPUT_GROUP_NOT_FOUND', {
          shortMessage: `Program ${programId} runs on ProofGrid workers: its tasks are leased to registered workers, not reserved.`,
          details: 'Register a worker and ask it for work.',
          action: 'register_worker',
        }),
      );
    const nowMs = this.#ctx.clock.nowMs();
    const now = new Date(nowMs);
    const expiresAt = new Date(nowMs + program.leaseSeconds * 1000);
    const claimed = await claimTasks(this.#ctx.store, { programId, count, now, expiresAt });
    let unavailable: Error | undefined;
    if (claimed.length < count) {
      // Deleted since it was cached, or simply nothing left: say which.
      unavailable = (await this.#ctx.programs.exists(programId))
        ? new NoInputGroupAvailableError({ programId, counts: await this.#countStates(programId, now) })
        : new ProgramNotFoundError({ programId });
    }
    return Array.from({ length: count }, (_, index) => {
      const claim = claimed[index];
      if (claim === undefined) return { ok: false, error: unavailable };
      return { ok: true, value: { ...claim, program, expiresAt } };
    });
  }

  /** How many of a program's tasks are in each state: the explanation when none can be reserved. */
  async #countStates(programId: string, now: Date): Promise<Record<string, number>> {
    const result = await this.#ctx.store.query<{ leased: number; awaiting: number; verified: number }>(
      `SELECT count(*) FILTER (WHERE t.state = 'open' AND NOT (${RESERVABLE_SQL}))::int AS leased,
              count(*) FILTER (WHERE t.state = 'proven')::int AS awaiting,
              count(*) FILTER (WHERE t.state IN ('verified', 'confirmed'))::int AS verified
         FROM task t WHERE t.program_id = $1`,
      [programId, now],
    );
    const row = result.rows[0];
    assert(row !== undefined, 'an aggregate returns one row');
    return { leased: row.leased, 'awaiting verification': row.awaiting, verified: row.verified };
  }
}

/**
 * Locks up to `count` reservable tasks and leases them, in one call of its own transaction (see the
 * `lease_donor_tasks` function in the migrations).
 */
async function claimTasks(
  db: Queryable,
  { programId, count, now, expiresAt }: { programId: string; count: number; now: Date; expiresAt: Date },
): Promise<Omit<DonorReservation, 'program' | 'expiresAt'>[]> {
  const leased = await db.query<{ replica_id: string; task_id: string; values: Uint8Array[] }>(
    `SELECT leased_replica AS replica_id, leased_task AS task_id, input_values AS values
       FROM lease_donor_tasks($1, $2, $3, $4)`,
    [programId, now, expiresAt, count],
  );
  return leased.rows.map((row) => ({ leaseId: row.replica_id, taskId: row.task_id, values: row.values }));
}
