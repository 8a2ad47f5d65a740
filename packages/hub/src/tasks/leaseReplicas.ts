import { randomUUID } from 'node:crypto';
import { assert } from '@proofgrid/core';
import { LEASE_CANDIDATES_EXTRA } from '../constants.ts';
import type { HubContext } from '../context.ts';
import { lockWorkerStakes } from '../market/workerStakes.ts';
import type { ProgramFact, Step } from '../runtimes/HubRuntime.ts';
import type { StepOffer } from '../runtimes/RuntimeRegistry.ts';
import type { Queryable } from '../store/Store.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { whyNothingToLease } from './whyNothingToLease.ts';

/** What a worker can take on: the hub leases it only tasks it can finish, in runtimes and steps it does. */
export type WorkerOffer = StepOffer & {
  memoryPagesMax: number;
  fuelPerSecond: number;
  secondsAvailable: number;
  /** Leases to take at once. */
  replicasMax: number;
};

/** A replica leased to a worker: everything it needs to do its step of the task, and until when. */
export type Lease = {
  replicaId: string;
  program: ProgramFact;
  taskId: string;
  step: Step;
  /** Seeds the task's randomness: every replica of a task gets the same. */
  seed: string;
  leaseExpiresAt: Date;
  input: Uint8Array[];
  /** The artifact a follow-up step works on (a witness to prove). */
  handoff: Uint8Array | null;
};

type Candidate = {
  task_id: string;
  program_id: string;
  runtime: string;
  attempt: number;
  handoff_id: string | null;
  handoff_blob: string | null;
  deal_id: string | null;
};

/** A replica that still holds its place in a task: submitted, handed off, judged, or leased and live. */
export const HOLDS_PLACE_SQL = `(r.state IN ('submitted', 'handed_off', 'rejected') OR (r.state = 'leased' AND r.lease_expires_at > $now))`;

/**
 * Where `t` may take another replica from this worker: it has none there (and no worker of the same
 * account has) that still holds its place, and its submitted and live replicas are fewer than it wants.
 * Replicas of earlier attempts, lapsed and returned leases hold no place: they neither count nor bar.
 */
const LEASABLE_SQL = `NOT EXISTS (SELECT 1 FROM replica r LEFT JOIN worker w ON w.worker_id = r.worker_id
                        WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                          AND (r.worker_id = $worker OR ($organization::uuid IS NOT NULL AND w.organization_id = $organization))
                          AND ${HOLDS_PLACE_SQL})
  AND (SELECT count(*) FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
         AND (r.state = 'submitted' OR (r.state = 'leased' AND r.lease_expires_at > $now))) < t.replicas_wanted`;

/** `$name` placeholders to positional ones, in the order given. */
function sql(text: string, names: readonly string[]): string {
  return text.replace(/\$([a-z]+)/g, (whole, name: string) => {
    const index = names.indexOf(name);
    return index === -1 ? whole : `$${index + 1}`;
  });
}

/**
 * Where `t` fits the worker: its memory, the fuel it can burn in the time it offers, and, for a deal's task,
 * membership of the deal's pool (of any pool, once an auction's task is reopened) before its final deadline.
 */
const FITS_SQL = `t.memory_pages <= $memory AND t.fuel <= $fuel
  AND (t.deal_id IS NULL OR (t.final_deadline > $now
       AND EXISTS (SELECT 1 FROM pool_member m WHERE m.worker_id = $worker AND (t.pool_id IS NULL OR m.pool_id = t.pool_id))))`;

/**
 * Follow-up steps (proving a handed-off witness), oldest hand-off first, found through the partial index
 * of handed-off replicas. A task with two hand-offs comes twice; the caller keeps the first.
 */
const FOLLOW_UP_CANDIDATES_SQL = sql(
  `SELECT t.task_id, t.program_id, t.runtime, t.attempt, h.replica_id AS handoff_id, h.evidence_blob_hash AS handoff_blob, t.deal_id
     FROM replica h JOIN task t ON t.task_id = h.task_id AND t.attempt = h.attempt
    WHERE h.state = 'handed_off' AND t.state = 'open' AND t.runtime = ANY($follow) AND ${FITS_SQL}
      AND ${LEASABLE_SQL}
    ORDER BY h.submitted_at, h.replica_id
    LIMIT $limit FOR UPDATE OF t SKIP LOCKED`,
  ['worker', 'organization', 'now', 'memory', 'fuel', 'follow', 'limit'],
);

/**
 * First steps, oldest task first. Ordered as the index of open tasks is, so that the statement walks it
 * and stops at the limit instead of examining every queued task (a queue of 5,000 cost 45 ms a lease).
 */
const FIRST_CANDIDATES_SQL = sql(
  `SELECT t.task_id, t.program_id, t.runtime, t.attempt, NULL::uuid AS handoff_id, NULL::text AS handoff_blob, t.deal_id
     FROM task t
    WHERE t.state = 'open' AND t.runtime = ANY($first) AND ${FITS_SQL}
      AND NOT EXISTS (SELECT 1 FROM replica h WHERE h.task_id = t.task_id AND h.attempt = t.attempt
                         AND h.state = 'handed_off')
      AND ${LEASABLE_SQL}
    ORDER BY t.created_at, t.task_id
    LIMIT $limit FOR UPDATE OF t SKIP LOCKED`,
  ['worker', 'organization', 'now', 'memory', 'fuel', 'first', 'limit'],
);

/**
 * The locked candidates that may still take a replica, asked again by a statement of its own: with the
 * rows locked, it sees every replica committed since the candidates were read (on PostgreSQL each statement
 * reads the latest commits), and since every replica is added under its task's lock, no other can come.
 * Without this, two hubs could both count one free place and both fill it.
 */
const RECHECK_SQL = sql(
  `SELECT t.task_id FROM task t WHERE t.task_id = ANY($ids) AND t.state = 'open' AND ${LEASABLE_SQL}`,
  ['worker', 'organization', 'now', 'ids'],
);

/**
 * Leases up to `replicasMax` replicas of the oldest open tasks the worker can do: in a runtime and step it
 * offers, within its memory and the fuel it can burn in its time, needing another replica, and holding
 * none of this worker or its account. Follow-up steps (proving a handed-off witness) go first. Returns the
 * leases, and when there are none, why.
 */
export async function leaseReplicas(
  ctx: HubContext,
  { worker, offer }: { worker: AuthenticatedWorker; offer: WorkerOffer },
): Promise<{ leases: Lease[]; reason: string | null }> {
  const now = new Date(ctx.clock.nowMs());
  const fuel = offer.fuelPerSecond * offer.secondsAvailable;
  const steps = ctx.runtimes.stepsFor(offer);
  const limit = offer.replicasMax + LEASE_CANDIDATES_EXTRA;
  const fits = [worker.workerId, worker.organizationId, now, offer.memoryPagesMax, fuel];
  const picked = await ctx.store.transaction(async (tx) => {
    const followUps =
      steps.followUp.size === 0
        ? []
        : (await tx.query<Candidate>(FOLLOW_UP_CANDIDATES_SQL, [...fits, [...steps.followUp.keys()], limit]))
            .rows;
    const firsts =
      steps.first.size === 0 || followUps.length >= limit
        ? []
        : (
            await tx.query<Candidate>(FIRST_CANDIDATES_SQL, [
              ...fits,
              [...steps.first.keys()],
              limit - followUps.length,
            ])
          ).rows;
    const seen = new Set<string>();
    const candidates = [...followUps, ...firsts].filter(
      (row) => !seen.has(row.task_id) && seen.add(row.task_id),
    );
    if (candidates.length === 0) return { leases: [], refusals: [] };
    // PGlite runs one transaction at a time: nothing can have committed since the candidates were read.
    const still =
      ctx.store.driver === 'postgres'
        ? await tx.query<{ task_id: string }>(RECHECK_SQL, [
            worker.workerId,
            worker.organizationId,
            now,
            candidates.map((row) => row.task_id),
          ])
        : { rows: candidates };
    const free = new Set(still.rows.map((row) => row.task_id));
    const chosen = candidates.filter((row) => free.has(row.task_id)).slice(0, offer.replicasMax);
    return insertLeases(ctx, tx, { worker, chosen, steps, now });
  });
  if (picked.leases.length > 0) return { leases: picked.leases, reason: null };
  if (picked.refusals.length > 0) return { leases: [], reason: picked.refusals.join('; ') };
  return { leases: [], reason: await whyNothingToLease(ctx, { worker, offer, fuel, now }) };
}

async function insertLeases(
  ctx: HubContext,
  tx: Queryable,
  {
    worker,
    chosen,
    steps,
    now,
  }: {
    worker: AuthenticatedWorker;
    chosen: Candidate[];
    steps: ReturnType<HubContext['runtimes']['stepsFor']>;
    now: Date;
  },
): Promise<{ leases: Lease[]; refusals: string[] }> {
  if (chosen.length === 0) return { leases: [], refusals: [] };
  const drafted = await Promise.all(
    chosen.map(async (candidate) => {
      const program = await ctx.programs.get(candidate.program_id);
      assert(program !== undefined, 'a locked task has its program');
      const step = (candidate.handoff_id === null ? steps.first : steps.followUp).get(candidate.runtime);
      assert(step !== undefined, 'the candidate query kept only runtimes with a step offered');
      return {
        candidate,
        program,
        step,
        replicaId: randomUUID(),
        expiresAt: new Date(now.getTime() + program.leaseSeconds * 1000),
      };
    }),
  );
  // A deal's task is leased only with the worker's stake locked on it.
  const { allowed, refusals } = await lockWorkerStakes(tx, {
    organizationId: worker.organizationId,
    leases: drafted.map((lease) => ({
      replicaId: lease.replicaId,
      taskId: lease.candidate.task_id,
      dealId: lease.candidate.deal_id,
    })),
    now,
  });
  const leases = drafted.filter((lease) => allowed.has(lease.replicaId));
  if (leases.length === 0) return { leases: [], refusals };
  // One statement leases them, marks when, and reads their values.
  const values = await tx.query<{ input_group_id: string; value: Uint8Array }>(
    `WITH leased AS (
       INSERT INTO replica (replica_id, task_id, worker_id, leased_at, lease_expires_at, state, step, attempt, handoff_of)
       SELECT u.replica_id, u.task_id, $1, $2, u.expires_at, 'leased', u.step, u.attempt, u.handoff_of
         FROM unnest($3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::int[], $8::uuid[])
              AS u(replica_id, task_id, expires_at, step, attempt, handoff_of)
       RETURNING task_id),
     marked AS (UPDATE task SET last_leased_at = $2 WHERE task_id IN (SELECT task_id FROM leased))
     SELECT input_group_id, value FROM input_value WHERE input_group_id = ANY($4::uuid[])
      ORDER BY input_group_id, position`,
    [
      worker.workerId,
      now,
      leases.map((lease) => lease.replicaId),
      leases.map((lease) => lease.candidate.task_id),
      leases.map((lease) => lease.expiresAt),
      leases.map((lease) => lease.step),
      leases.map((lease) => lease.candidate.attempt),
      leases.map((lease) => lease.candidate.handoff_id),
    ],
  );
  const inputs = new Map<string, Uint8Array[]>();
  for (const row of values.rows) {
    const list = inputs.get(row.input_group_id);
    if (list === undefined) inputs.set(row.input_group_id, [row.value]);
    else list.push(row.value);
  }
  const made = await Promise.all(
    leases.map(async ({ candidate, program, step, replicaId, expiresAt }) => ({
      replicaId,
      program,
      taskId: candidate.task_id,
      step,
      seed: candidate.task_id,
      leaseExpiresAt: expiresAt,
      input: inputs.get(candidate.task_id) ?? [],
      handoff: candidate.handoff_blob === null ? null : await ctx.blobs.get(candidate.handoff_blob),
    })),
  );
  return { leases: made, refusals };
}
