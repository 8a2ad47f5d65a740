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

/** A replica leased to this worker (see the hub's `POST /worker/lease`). */
export type ReplicaLease = {
  replica_id: string;
  program_id: string;
  input_group_id: string;
  organization_id: string;
  program_sha256: string;
  /** `wasm`: run the module and submit the output; `noir`: execute, prove, submit the proof. */
  runtime: 'wasm' | 'noir';
  seed: string;
  limits: { fuel: number; memory_pages: number; output_bytes: number };
  lease_expires_at: string;
  input: string[];
  /** For Noir: `both` (execute and prove), `execute` (submit the witness), `prove` (prove `witness`). */
  noir_step: 'both' | 'execute' | 'prove' | null;
  /** The gzipped witness to prove, base64, when `noir_step` is `prove`. */
  witness: string | null;
};

export type WorkerOffer = {
  memory_pages_max: number;
  fuel_per_second: number;
  seconds_available: number;
  /** Runtimes this worker runs; the hub assumes `wasm` alone when absent. */
  runtimes?: ('wasm' | 'noir')[];
  /** Noir tasks: execute and prove (`full`, the default), execute only, or prove only. */
  noir_role?: 'full' | 'execute' | 'prove';
};

/**
 * The worker side of the hub API: every request signed with the worker's Ed25519 key.
 *
 * @example
 * const worker = new WorkerClient({ hub, keys, now: () => Date.now() });
 * await worker.register({ name: 'lab-pc' });
 * const { lease } = await worker.lease({ memory_pages_max: 256, fuel_per_second: 1e9, seconds_available: 600 });
 */
export class WorkerClient {
  readonly #hub: HubClient;
  readonly #keys: KeyPair;
  readonly #now: () => number;
  workerId: string | undefined;

  constructor({ hub, keys, now }: { hub: HubClient; keys: KeyPair; now: () => number }) {
    this.#hub = hub;
    this.#keys = keys;
    this.#now = now;
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
    const signature = signCanonical({
      secretKey: this.#keys.secretKey,
      domain: WORKER_REGISTRATION_DOMAIN,
      value: workerRegistrationMessage({ publicKey, name, timestampMs }),
    });
    const registered = await this.#hub.json<{ worker_id: string; organization_id: string | null }>(
      'POST',
      '/worker/register',
      {
        body: { public_key: publicKey, name, timestamp_ms: timestampMs, signature: encodeBase64(signature) },
        ...(token === undefined ? {} : { token }),
      },
    );
    this.workerId = registered.worker_id;
    return registered;
  }

  /** This worker as the hub knows it: its account link and reputation. */
  me(): Promise<{
    worker_id: string;
    name: string;
    organization_id: string | null;
    reputation: { consecutive_valid: number; results_valid: number; results_invalid: number };
  }> {
    return this.#signed('GET', '/worker/me', null);
  }

  lease(offer: WorkerOffer): Promise<{ lease: ReplicaLease | null; reason: string | null }> {
    return this.#signed('POST', '/worker/lease', offer);
  }

  heartbeat(replicaId: string): Promise<{ lease_expires_at: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/heartbeat`, null);
  }

  giveBack(replicaId: string): Promise<null> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/return`, null);
  }

  submit(
    replicaId: string,
    result: { output: Uint8Array; fuel_used: number; exit_code: number; log: string },
  ): Promise<{ verdict: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/submit`, {
      output: encodeBase64(result.output),
      fuel_used: result.fuel_used,
      exit_code: result.exit_code,
      log: result.log,
    });
  }

  /** Submits a Noir task's proof; the hub accepts it only if it proves exactly this task. */
  submitProof(
    replicaId: string,
    proof: { proof: Uint8Array; public_inputs: string[] },
  ): Promise<{ verdict: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/proof`, {
      proof: encodeBase64(proof.proof),
      public_inputs: proof.public_inputs,
    });
  }

  /** Submits a Noir task's witness (execute-only workers); another worker proves it. */
  submitWitness(replicaId: string, witness: Uint8Array): Promise<{ verdict: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/witness`, { witness: encodeBase64(witness) });
  }

  /** Reports that the witness a prove lease carries cannot be proven; the hub checks who was wrong. */
  reportBadWitness(replicaId: string): Promise<{ verdict: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/bad-witness`, null);
  }

  /** Reports that a Noir task fails to execute on its input; the hub checks and fails the task. */
  reportExecutionFailure(replicaId: string): Promise<{ verdict: string }> {
    return this.#signed('POST', `/worker/replicas/${replicaId}/execution-failure`, null);
  }

  /** A program archive (public; the worker caches it by hash). */
  async program(programId: string): Promise<Uint8Array> {
    const response = await this.#hub.send('GET', `/program/${programId}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  #signed<T>(method: 'GET' | 'POST', path: string, body: CanonicalValue): Promise<T> {
    if (this.workerId === undefined) throw new Error('register the worker before sending signed requests');
    const timestampMs = this.#now();
    const signature = signCanonical({
      secretKey: this.#keys.secretKey,
      domain: WORKER_REQUEST_DOMAIN,
      value: workerRequestMessage({ method, path, timestampMs, body }),
    });
    return this.#hub.json<T>(method, path, {
      ...(body === null ? {} : { body }),
      headers: {
        [WORKER_HEADERS.workerId]: this.workerId,
        [WORKER_HEADERS.timestampMs]: String(timestampMs),
        [WORKER_HEADERS.signature]: encodeBase64(signature),
      },
    });
  }
}
