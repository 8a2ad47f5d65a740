import { routes } from '@proofgrid/api';
import { encodeBase64 } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { iso } from '../http/wire.ts';
import type { Submission } from '../runtimes/HubRuntime.ts';
import { type Lease, leaseReplicas } from '../tasks/leaseReplicas.ts';
import { renewLease } from '../tasks/renewLease.ts';
import { returnLease } from '../tasks/returnLease.ts';
import { submitResults, submitToReplica } from '../tasks/submitToReplica.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { registerWorker } from '../workers/registerWorker.ts';
import { workerStatus } from '../workers/workerStatus.ts';

function leaseOf(lease: Lease) {
  return {
    replica_id: lease.replicaId,
    program_id: lease.program.programId,
    input_group_id: lease.taskId,
    organization_id: lease.program.organizationId,
    program_sha256: lease.program.blobHash,
    runtime: lease.program.runtime,
    step: lease.step,
    seed: lease.seed,
    limits: {
      fuel: lease.program.limits.fuel,
      memory_pages: lease.program.limits.memoryPages,
      output_bytes: lease.program.limits.outputBytes,
    },
    lease_expires_at: iso(lease.leaseExpiresAt),
    input: lease.input.map(encodeBase64),
    handoff: lease.handoff === null ? null : encodeBase64(lease.handoff),
  };
}

/** The worker protocol: donors' machines register their key, then sign every request with it. */
export function workerRoutes(ctx: HubContext): RouteEntry[] {
  const submit = (worker: AuthenticatedWorker, replicaId: string, submission: Submission) =>
    submitToReplica(ctx, { worker, replicaId, submission });
  return [
    handle(routes.registerWorker, async ({ body, organizationId }) => {
      const registered = await registerWorker(ctx, {
        publicKey: body.public_key,
        name: body.name,
        timestampMs: body.timestamp_ms,
        signature: body.signature,
        organizationId,
      });
      ctx.workers.forget(registered.workerId);
      return { worker_id: registered.workerId, organization_id: registered.organizationId };
    }),
    handle(routes.workerMe, async ({ worker }) => {
      const status = await workerStatus(ctx, worker.workerId);
      return {
        worker_id: status.workerId,
        name: status.name,
        organization_id: status.organizationId,
        registered_at: iso(status.registeredAt),
        last_seen_at: iso(status.lastSeenAt),
        reputation: {
          consecutive_valid: status.reputation.consecutiveValid,
          results_valid: status.reputation.resultsValid,
          results_invalid: status.reputation.resultsInvalid,
          leases_lapsed: status.reputation.leasesLapsed,
        },
      };
    }),
    handle(routes.leaseReplicas, async ({ body, worker }) => {
      const { leases, reason } = await leaseReplicas(ctx, {
        worker,
        offer: {
          memoryPagesMax: body.memory_pages_max,
          fuelPerSecond: body.fuel_per_second,
          secondsAvailable: body.seconds_available,
          // The contract fills in the defaults.
          runtimes: body.runtimes ?? [],
          role: body.role ?? 'full',
          replicasMax: body.replicas_max ?? 1,
        },
      });
      const wire = leases.map(leaseOf);
      return { lease: wire[0] ?? null, leases: wire, reason };
    }),
    handle(routes.submitOutput, async ({ params, body, worker }) =>
      submit(worker, params.replica_id, {
        kind: 'output',
        output: body.output,
        fuelUsed: body.fuel_used,
        exitCode: body.exit_code,
        log: body.log,
        failure: body.failure ?? null,
      }),
    ),
    handle(routes.submitOutputs, async ({ body, worker }) => {
      const outcomes = await submitResults(ctx, {
        worker,
        items: body.runs.map((run) => ({
          replicaId: run.replica_id,
          submission: {
            kind: 'output',
            output: run.output,
            fuelUsed: run.fuel_used,
            exitCode: run.exit_code,
            log: run.log,
            failure: run.failure ?? null,
          },
        })),
      });
      return {
        results: outcomes.map((outcome, index) => ({
          replica_id: body.runs[index]?.replica_id ?? '',
          verdict: outcome.ok ? outcome.verdict : null,
          error: outcome.ok ? null : { code: outcome.error.code, message: outcome.error.message },
        })),
      };
    }),
    handle(routes.submitProof, async ({ params, body, worker }) =>
      submit(worker, params.replica_id, {
        kind: 'proof',
        proof: body.proof,
        publicInputs: body.public_inputs,
      }),
    ),
    handle(routes.submitWitness, async ({ params, body, worker }) =>
      submit(worker, params.replica_id, { kind: 'handoff', artifact: body.witness }),
    ),
    handle(routes.reportBadWitness, async ({ params, worker }) =>
      submit(worker, params.replica_id, { kind: 'bad_handoff' }),
    ),
    handle(routes.reportExecutionFailure, async ({ params, worker }) =>
      submit(worker, params.replica_id, { kind: 'execution_failure' }),
    ),
    handle(routes.heartbeat, async ({ params, worker }) => {
      const { leaseExpiresAt } = await renewLease(ctx, { worker, replicaId: params.replica_id });
      return { lease_expires_at: iso(leaseExpiresAt) };
    }),
    handle(routes.returnLease, async ({ params, worker }) => {
      await returnLease(ctx, { worker, replicaId: params.replica_id });
      return null;
    }),
  ];
}
