import {
  type ReplicaLease,
  type RouteDefinition,
  type RouteInput,
  type RouteOutput,
  routePath,
  routes,
} from '@proofgrid/api';
import {
  type CanonicalValue,
  encodeBase64,
  type KeyPair,
  signCanonical,
  WORKER_HEADERS,
  WORKER_REGISTRATION_DOMAIN,
  WORKER_REQUEST_DOMAIN,
  workerRegistrationMessage,
  workerRequestMessage,
} from '@proofgrid/core';
import type { HubClient } from './HubClient.ts';

export type { ReplicaLease };

/** What a worker offers the hub (the body of a lease request). */
export type WorkerOffer = RouteInput<typeof routes.leaseReplicas>['body'];

/**
 * Signs the canonical message of a value in a domain (see core's `signingMessage`): by default core's
 * JavaScript Ed25519, which runs anywhere; a Node.js worker passes node:crypto's, which is faster.
 */
export type Signer = (message: { domain: string; value: CanonicalValue }) => Uint8Array;

/** A run's result as the worker submits it. */
export type RunSubmission = {
  output: Uint8Array;
  fuelUsed: number;
  exitCode: number;
  log: string;
  failure: { code: string; message: string } | null;
};

/**
 * The worker side of the hub API: every request signed with the worker's Ed25519 key over its method,
 * path, time and body.
 *
 * @example
 * const worker = new WorkerClient({ hub, keys, now: () => Date.now() });
 * await worker.register({ name: 'lab-pc' });
 * const { leases } = await worker.lease({ memory_pages_max: 256, fuel_per_second: 1e9, seconds_available: 600 });
 */
export class WorkerClient {
  readonly #hub: HubClient;
  readonly #keys: KeyPair;
  readonly #now: () => number;
  readonly #sign: Signer;
  workerId: string | undefined;

  constructor({ hub, keys, now, sign }: { hub: HubClient; keys: KeyPair; now: () => number; sign?: Signer }) {
    this.#hub = hub;
    this.#keys = keys;
    this.#now = now;
    this.#sign = sign ?? (({ domain, value }) => signCanonical({ secretKey: keys.secretKey, domain, value }));
  }

  /** Registers (or re-registers) the key; with `token`, links the worker to that account. */
  async register({
    name,
    token,
  }: {
    name: string;
    token?: string;
  }): Promise<{ worker_id: string; organization_id: string | null }> {
    const publicKey = encodeBase64(this.#keys.publicKey);
    const timestampMs = this.#now();
    const signature = this.#sign({
      domain: WORKER_REGISTRATION_DOMAIN,
      value: workerRegistrationMessage({ publicKey, name, timestampMs }),
    });
    const registered = await this.#hub.call(
      routes.registerWorker,
      {
        body: { public_key: publicKey, name, timestamp_ms: timestampMs, signature: encodeBase64(signature) },
      },
      token === undefined ? {} : { token },
    );
    this.workerId = registered.worker_id;
    return registered;
  }

  /** This worker as the hub knows it: its account link and its reputation. */
  me(): Promise<RouteOutput<typeof routes.workerMe>> {
    return this.call(routes.workerMe, {});
  }

  lease(offer: WorkerOffer): Promise<RouteOutput<typeof routes.leaseReplicas>> {
    return this.call(routes.leaseReplicas, { body: offer });
  }

  heartbeat(replicaId: string): Promise<{ lease_expires_at: string }> {
    return this.call(routes.heartbeat, { params: { replica_id: replicaId } });
  }

  giveBack(replicaId: string): Promise<null> {
    return this.call(routes.returnLease, { params: { replica_id: replicaId } });
  }

  /** Submits a run: its output, fuel, exit code and log, or its deterministic failure. */
  submit(replicaId: string, run: RunSubmission): Promise<{ verdict: string }> {
    return this.call(routes.submitOutput, {
      params: { replica_id: replicaId },
      body: {
        output: encodeBase64(run.output),
        fuel_used: run.fuelUsed,
        exit_code: run.exitCode,
        log: run.log,
        failure: run.failure,
      },
    });
  }

  /** Submits several runs in one request; each gets its own verdict or error. */
  submitMany(
    runs: { replicaId: string; run: RunSubmission }[],
  ): Promise<RouteOutput<typeof routes.submitOutputs>> {
    return this.call(routes.submitOutputs, {
      body: {
        runs: runs.map(({ replicaId, run }) => ({
          replica_id: replicaId,
          output: encodeBase64(run.output),
          fuel_used: run.fuelUsed,
          exit_code: run.exitCode,
          log: run.log,
          failure: run.failure,
        })),
      },
    });
  }

  /** Submits a Noir task's proof; the hub accepts it only if it proves exactly this task. */
  submitProof(
    replicaId: string,
    proof: { proof: Uint8Array; publicInputs: string[] },
  ): Promise<{ verdict: string }> {
    return this.call(routes.submitProof, {
      params: { replica_id: replicaId },
      body: { proof: encodeBase64(proof.proof), public_inputs: proof.publicInputs },
    });
  }

  /** Hands off a Noir task's witness (execute-only workers); another worker proves it. */
  submitWitness(replicaId: string, witness: Uint8Array): Promise<{ verdict: string }> {
    return this.call(routes.submitWitness, {
      params: { replica_id: replicaId },
      body: { witness: encodeBase64(witness) },
    });
  }

  /** Reports that the witness handed to this prove step cannot be proven; the hub checks who was wrong. */
  reportBadWitness(replicaId: string): Promise<{ verdict: string }> {
    return this.call(routes.reportBadWitness, { params: { replica_id: replicaId } });
  }

  /** Reports that a Noir task fails to execute on its input; the hub checks and fails the task. */
  reportExecutionFailure(replicaId: string): Promise<{ verdict: string }> {
    return this.call(routes.reportExecutionFailure, { params: { replica_id: replicaId } });
  }

  /** A program archive (public; the worker caches it by hash). */
  async program(programId: string): Promise<Uint8Array> {
    return (await this.#hub.call(routes.downloadProgram, { params: { program_id: programId } })).bytes;
  }

  /** Calls a worker route, signed. */
  call<R extends RouteDefinition>(route: R, input: RouteInput<R>): Promise<RouteOutput<R>> {
    if (this.workerId === undefined) throw new Error('register the worker before sending signed requests');
    const parts = input as { params?: Record<string, string>; body?: unknown };
    const timestampMs = this.#now();
    const signature = this.#sign({
      domain: WORKER_REQUEST_DOMAIN,
      value: workerRequestMessage({
        method: route.method,
        path: routePath(route.path, parts.params),
        timestampMs,
        body: (parts.body ?? null) as CanonicalValue,
      }),
    });
    return this.#hub.call(route, input, {
      headers: {
        [WORKER_HEADERS.workerId]: this.workerId,
        [WORKER_HEADERS.timestampMs]: String(timestampMs),
        [WORKER_HEADERS.signature]: encodeBase64(signature),
      },
    });
  }
}
