import { createHash, randomUUID } from 'node:crypto';
import {
  assert,
  decideReplicaVerdict,
  decodeBase64,
  encodeBase64,
  encodeCanonical,
  isUuid,
  type Manifest,
  type ReplicaVerdict,
} from '@proofgrid/core';
import type { NoirCircuit } from '@proofgrid/runtime';
import type { HubDeps } from '../deps.ts';
import { LeaseNotActiveError, ValidationError } from '../errors.ts';
import type { Queryable } from '../store/Store.ts';
import type { WorkerRecord } from './workers.ts';

/** What a worker can take on: the hub leases it only tasks it can finish, in runtimes it has. */
export type WorkerOffer = {
  memory_pages_max: number;
  fuel_per_second: number;
  seconds_available: number;
  /** Runtimes the worker runs; `wasm` when absent (workers from before Noir). */
  runtimes?: ('wasm' | 'noir')[] | undefined;
  /**
   * What it does with Noir tasks: `full` (execute and prove, the default), `execute` (upload the witness
   * for another worker to prove), `prove` (prove witnesses other workers uploaded).
   */
  noir_role?: 'full' | 'execute' | 'prove' | undefined;
};

/** A replica leased to a worker: everything it needs to run the task, and until when it may. */
export type ReplicaLease = {
  replica_id: string;
  program_id: string;
  input_group_id: string;
  organization_id: string;
  /** SHA-256 of the program archive (`GET /program/{program_id}`), for the worker's cache. */
  program_sha256: string;
  /** `wasm`: run the module, submit the output. `noir`: execute and prove, submit the proof. */
  runtime: 'wasm' | 'noir';
  /** Seeds the task's randomness: every replica of a task gets the same. */
  seed: string;
  limits: Manifest['limits'];
  lease_expires_at: string;
  /** The input values, in order, base64. */
  input: string[];
  /** For Noir: `both` (execute and prove), `execute` (submit the witness), `prove` (prove `witness`). */
  noir_step: 'both' | 'execute' | 'prove' | null;
  /** The witness to prove (gzipped, base64), when `noir_step` is `prove`. */
  witness: string | null;
};

export type Submission = { output: string; fuel_used: number; exit_code: number; log: string };

/**
 * Which open tasks a worker may lease for its Noir role. A witness waiting to be proven goes to provers
 * (full workers prove them too, first); execute-only workers take only tasks without one.
 */
const NOIR_ROLE_SQL = {
  full: 'TRUE',
  execute: "(p.manifest->>'runtime' <> 'noir' OR w.replica_id IS NULL)",
  prove: "(p.manifest->>'runtime' = 'noir' AND w.replica_id IS NOT NULL)",
} as const;

const REPLICAS_BASE_SQL = `coalesce(g.replicas_wanted,
  CASE WHEN p.manifest->'verification'->>'policy' IN ('none', 'proof') THEN 1 ELSE (p.manifest->'verification'->>'replicas')::int END)`;

/**
 * Leases the oldest open task the worker can run: its program has a manifest, fits the worker's memory and
 * the fuel it can burn in its time, needs another replica, and has none on this worker or on another
 * worker of the same account. Returns `null` with the reason when there is no such task.
 */
export async function leaseReplica(
  deps: HubDeps,
  { worker, offer }: { worker: WorkerRecord; offer: WorkerOffer },
): Promise<{ lease: ReplicaLease | null; reason: string | null }> {
  const now = new Date(deps.clock.nowMs());
  const fuelAvailable = offer.fuel_per_second * offer.seconds_available;
  return deps.store.transaction(async (tx) => {
    const picked = await tx.query<{
      input_group_id: string;
      program_id: string;
      organization_id: string;
      blob_hash: string;
      manifest: Manifest;
      input_lock_timeout: number;
      witness_replica: string | null;
      witness_blob_hash: string | null;
    }>(
      `SELECT g.input_group_id, g.program_id, p.organization_id, p.blob_hash, p.manifest, p.input_lock_timeout,
              w.replica_id AS witness_replica, w.witness_blob_hash
         FROM input_group g JOIN program p USING (program_id)
         LEFT JOIN LATERAL (SELECT r.replica_id, r.witness_blob_hash FROM replica r
                             WHERE r.input_group_id = g.input_group_id AND r.state = 'witnessed'
                             ORDER BY r.submitted_at LIMIT 1) w ON TRUE
        WHERE p.manifest IS NOT NULL AND g.task_state = 'open'
          AND ${NOIR_ROLE_SQL[offer.noir_role ?? 'full']}
          AND (p.manifest->'limits'->>'memory_pages')::int <= $2
          AND (p.manifest->'limits'->>'fuel')::float8 <= $3
          AND p.manifest->>'runtime' = ANY($6::text[])
          AND NOT EXISTS (SELECT 1 FROM replica r WHERE r.input_group_id = g.input_group_id AND r.worker_id = $1)
          AND NOT EXISTS (SELECT 1 FROM replica r JOIN worker w USING (worker_id)
                           WHERE r.input_group_id = g.input_group_id AND w.organization_id = $5)
          AND (SELECT count(*) FROM replica r WHERE r.input_group_id = g.input_group_id
                 AND (r.state = 'submitted' OR r.lease_expires_at > $4)) < ${REPLICAS_BASE_SQL}
        ORDER BY w.replica_id IS NULL, g.created_at, g.input_group_id
        LIMIT 1 FOR UPDATE OF g SKIP LOCKED`,
      [
        worker.worker_id,
        offer.memory_pages_max,
        fuelAvailable,
        now,
        worker.organization_id,
        runtimesOf(offer),
      ],
    );
    const task = picked.rows[0];
    if (task === undefined)
      return { lease: null, reason: await whyNothingToLease(tx, { worker, offer, fuelAvailable }) };
    const replicaId = randomUUID();
    const expiresAt = new Date(now.getTime() + task.input_lock_timeout * 1000);
    const kind =
      task.manifest.runtime !== 'noir'
        ? 'run'
        : task.witness_replica !== null
          ? 'prove'
          : offer.noir_role === 'execute'
            ? 'execute'
            : 'run';
    await tx.query(
      `INSERT INTO replica (replica_id, input_group_id, worker_id, leased_at, lease_expires_at, state, kind, witness_of)
       VALUES ($1, $2, $3, $4, $5, 'leased', $6, $7)`,
      [
        replicaId,
        task.input_group_id,
        worker.worker_id,
        now,
        expiresAt,
        kind,
        kind === 'prove' ? task.witness_replica : null,
      ],
    );
    const values = await tx.query<{ value: Uint8Array }>(
      'SELECT value FROM input_value WHERE input_group_id = $1 ORDER BY position',
      [task.input_group_id],
    );
    return {
      lease: {
        replica_id: replicaId,
        program_id: task.program_id,
        input_group_id: task.input_group_id,
        organization_id: task.organization_id,
        program_sha256: task.blob_hash,
        runtime: task.manifest.runtime,
        seed: task.input_group_id,
        limits: task.manifest.limits,
        lease_expires_at: expiresAt.toISOString(),
        input: values.rows.map((row) => encodeBase64(row.value)),
        noir_step: task.manifest.runtime !== 'noir' ? null : kind === 'run' ? 'both' : kind,
        witness:
          kind === 'prove' && task.witness_blob_hash !== null
            ? encodeBase64(await deps.blobs.get(task.witness_blob_hash))
            : null,
      },
      reason: null,
    };
  });
}

/** Why a worker gets no task: the answer to "why is nothing scheduled?". */
async function whyNothingToLease(
  db: Queryable,
  { worker, offer, fuelAvailable }: { worker: WorkerRecord; offer: WorkerOffer; fuelAvailable: number },
): Promise<string> {
  const counts = await db.query<{
    open: number;
    other_runtime: number;
    too_big: number;
    too_long: number;
    done_here: number;
  }>(
    `SELECT count(*)::int AS open,
            count(*) FILTER (WHERE NOT p.manifest->>'runtime' = ANY($4::text[]))::int AS other_runtime,
            count(*) FILTER (WHERE (p.manifest->'limits'->>'memory_pages')::int > $2)::int AS too_big,
            count(*) FILTER (WHERE (p.manifest->'limits'->>'fuel')::float8 > $3)::int AS too_long,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM replica r WHERE r.input_group_id = g.input_group_id AND r.worker_id = $1))::int AS done_here
       FROM input_group g JOIN program p USING (program_id)
      WHERE p.manifest IS NOT NULL AND g.task_state = 'open'`,
    [worker.worker_id, offer.memory_pages_max, fuelAvailable, runtimesOf(offer)],
  );
  const row = counts.rows[0];
  assert(row !== undefined, 'an aggregate returns one row');
  if (row.open === 0) return 'no open task: every task is verified or failed';
  return `${row.open} open task(s): ${row.other_runtime} in a runtime this worker does not offer (${runtimesOf(offer).join(', ')}), ${row.too_big} need more memory than offered, ${row.too_long} more fuel than ${fuelAvailable} (fuel_per_second × seconds_available), ${row.done_here} already ran here; the rest have all the replicas they need right now`;
}

/**
 * Records a worker's result for its replica and decides the task when it can: a quorum of matching
 * results verifies it (agreeing workers gain reputation, outvoted ones lose it), disagreement asks for
 * another replica, and a task that can no longer reach a quorum fails with the reason.
 *
 * @throws LEASE_NOT_ACTIVE, VALIDATION_FAILED
 */
export async function submitReplica(
  deps: HubDeps,
  { worker, replicaId, submission }: { worker: WorkerRecord; replicaId: string; submission: Submission },
): Promise<{ verdict: ReplicaVerdict['decision'] }> {
  const output = decodeBase64(submission.output);
  if (output === undefined)
    throw new ValidationError({
      message: 'output is not standard base64.',
      details: 'Encode the raw output bytes with base64.',
    });
  const blob = await deps.blobs.put(output);
  const outputSha256 = blob.hash;
  const resultHash = createHash('sha256')
    .update(
      encodeCanonical({
        output_sha256: outputSha256,
        fuel_used: submission.fuel_used,
        exit_code: submission.exit_code,
      }),
    )
    .digest('hex');
  const now = new Date(deps.clock.nowMs());
  return deps.store.transaction(async (tx) => {
    const replica = await liveReplica(tx, { worker, replicaId, now, lock: true });
    if (output.length > replica.manifest.limits.output_bytes) {
      throw new ValidationError({
        message: `The output is larger than the program's limit of ${replica.manifest.limits.output_bytes} bytes.`,
      });
    }
    await tx.query(
      `UPDATE replica SET state = 'submitted', result_hash = $2, output_blob_hash = $3, output_size = $4, fuel_used = $5,
              exit_code = $6, log = $7, submitted_at = $8 WHERE replica_id = $1`,
      [
        replicaId,
        resultHash,
        outputSha256,
        output.length,
        submission.fuel_used,
        submission.exit_code,
        submission.log,
        now,
      ],
    );
    return {
      verdict: await decideTask(tx, {
        inputGroupId: replica.input_group_id,
        manifest: replica.manifest,
        now,
      }),
    };
  });
}

/** Decides a task from its replicas' results, as its policy says (see `decideReplicaVerdict`). */
export async function decideTask(
  tx: Queryable,
  { inputGroupId, manifest, now }: { inputGroupId: string; manifest: Manifest; now: Date },
) {
  const replicas = await tx.query<{
    worker_id: string;
    state: string;
    result_hash: string | null;
    lease_expires_at: Date;
  }>(
    'SELECT worker_id, state, result_hash, lease_expires_at FROM replica WHERE input_group_id = $1 ORDER BY submitted_at NULLS LAST, replica_id',
    [inputGroupId],
  );
  const results = replicas.rows.flatMap((r) =>
    r.state === 'submitted' && r.result_hash !== null
      ? [{ workerId: r.worker_id, resultHash: r.result_hash }]
      : [],
  );
  const inFlight = replicas.rows.filter(
    (r) => r.state === 'leased' && r.lease_expires_at.getTime() > now.getTime(),
  ).length;
  const verdict = decideReplicaVerdict(manifest.verification, { results, inFlight });
  if (verdict.decision === 'accept') {
    await tx.query(
      `UPDATE input_group SET task_state = 'verified', accepted_result_hash = $2 WHERE input_group_id = $1`,
      [inputGroupId, verdict.resultHash],
    );
    await tx.query(
      `UPDATE replica SET judgement = CASE WHEN result_hash = $2 THEN 'agreed' ELSE 'outvoted' END WHERE input_group_id = $1 AND state = 'submitted'`,
      [inputGroupId, verdict.resultHash],
    );
    await tx.query(
      'UPDATE worker SET consecutive_valid = consecutive_valid + 1, results_valid = results_valid + 1 WHERE worker_id = ANY($1::uuid[])',
      [verdict.agreeing],
    );
    await tx.query(
      'UPDATE worker SET consecutive_valid = 0, results_invalid = results_invalid + 1 WHERE worker_id = ANY($1::uuid[])',
      [verdict.disagreeing],
    );
  } else if (verdict.decision === 'add_replica') {
    await tx.query(
      `UPDATE input_group g SET replicas_wanted = (SELECT count(*) FROM replica r WHERE r.input_group_id = g.input_group_id AND (r.state = 'submitted' OR r.lease_expires_at > $2)) + 1
        WHERE input_group_id = $1`,
      [inputGroupId, now],
    );
  } else if (verdict.decision === 'fail') {
    await tx.query(
      `UPDATE input_group SET task_state = 'failed', failure_reason = $2 WHERE input_group_id = $1`,
      [inputGroupId, verdict.reason],
    );
  }
  return verdict.decision;
}

/**
 * Extends a live lease by the program's lease length (a worker heartbeat). An expired lease cannot be
 * revived: its replica may already be leased again.
 *
 * @throws LEASE_NOT_ACTIVE
 */
export async function renewReplica(
  deps: HubDeps,
  { worker, replicaId }: { worker: WorkerRecord; replicaId: string },
): Promise<{ lease_expires_at: string }> {
  const now = new Date(deps.clock.nowMs());
  const renewed = isUuid(replicaId)
    ? await deps.store.query<{ lease_expires_at: Date }>(
        `UPDATE replica r SET lease_expires_at = $3::timestamptz + make_interval(secs => p.input_lock_timeout)
           FROM input_group g JOIN program p USING (program_id)
          WHERE r.replica_id = $1 AND r.worker_id = $2 AND g.input_group_id = r.input_group_id
            AND r.state = 'leased' AND r.lease_expires_at > $3 AND g.task_state = 'open'
          RETURNING r.lease_expires_at`,
        [replicaId, worker.worker_id, now],
      )
    : { rows: [] };
  const row = renewed.rows[0];
  if (row === undefined)
    throw new LeaseNotActiveError({
      leaseId: replicaId,
      reason: 'it is not a live lease of this worker (expired, submitted, or its task is decided)',
    });
  return { lease_expires_at: row.lease_expires_at.toISOString() };
}

/** Gives a leased replica back (a worker shutting down): its task can be leased again at once. */
export async function returnReplica(
  deps: HubDeps,
  { worker, replicaId }: { worker: WorkerRecord; replicaId: string },
): Promise<void> {
  if (!isUuid(replicaId))
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'it is not a lease id' });
  const returned = await deps.store.query(
    "DELETE FROM replica WHERE replica_id = $1 AND worker_id = $2 AND state = 'leased'",
    [replicaId, worker.worker_id],
  );
  if (returned.rowCount === 0)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'this worker holds no such leased replica' });
}

function runtimesOf(offer: WorkerOffer): string[] {
  return offer.runtimes ?? ['wasm'];
}

/** A replica as the submission routes check it: its lease, its task, and its program. */
export type ReplicaContext = {
  kind: 'run' | 'execute' | 'prove';
  witness_of: string | null;
  input_group_id: string;
  worker_id: string;
  state: string;
  lease_expires_at: Date;
  task_state: string;
  manifest: Manifest;
  circuit: NoirCircuit | null;
  verification_key: Uint8Array | null;
};

/**
 * The replica a worker submits for, checked: it holds it, the lease is live, the task is open.
 *
 * @throws LEASE_NOT_ACTIVE with the reason
 */
export async function liveReplica(
  db: Queryable,
  { worker, replicaId, now, lock }: { worker: WorkerRecord; replicaId: string; now: Date; lock: boolean },
): Promise<ReplicaContext> {
  const found = isUuid(replicaId)
    ? await db.query<ReplicaContext>(
        `SELECT r.kind, r.witness_of, r.input_group_id, r.worker_id, r.state, r.lease_expires_at, g.task_state, p.manifest, p.circuit, p.verification_key
           FROM replica r JOIN input_group g USING (input_group_id) JOIN program p USING (program_id)
          WHERE r.replica_id = $1 ${lock ? 'FOR UPDATE OF g, r' : ''}`,
        [replicaId],
      )
    : { rows: [] };
  const replica = found.rows[0];
  if (replica === undefined || replica.worker_id !== worker.worker_id)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'this worker holds no such replica' });
  if (replica.state !== 'leased')
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'a result was already submitted for it' });
  if (replica.lease_expires_at.getTime() <= now.getTime())
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'it has expired' });
  if (replica.task_state !== 'open')
    throw new LeaseNotActiveError({
      leaseId: replicaId,
      reason: `the task is already ${replica.task_state}`,
    });
  return replica;
}
