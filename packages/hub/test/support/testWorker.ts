import type { ReplicaLease } from '@proofgrid/api';
import {
  type CanonicalValue,
  encodeBase64,
  keyPairFromSeed,
  signCanonical,
  WORKER_HEADERS,
  WORKER_REGISTRATION_DOMAIN,
  WORKER_REQUEST_DOMAIN,
  workerRegistrationMessage,
  workerRequestMessage,
} from '@proofgrid/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { body } from './api.ts';
import type { TestHub } from './testHub.ts';

export const OFFER = { memory_pages_max: 256, fuel_per_second: 1_000_000_000, seconds_available: 3600 };

/** A registered worker (Ed25519 key from `seed`) that signs its requests to the test hub. */
export async function testWorker(hub: TestHub, seed: number, { token }: { token?: string } = {}) {
  const keys = keyPairFromSeed(new Uint8Array(32).fill(seed));
  const publicKey = encodeBase64(keys.publicKey);
  const timestampMs = hub.clock.nowMs();
  const name = `worker-${seed}`;
  const signature = signCanonical({
    secretKey: keys.secretKey,
    domain: WORKER_REGISTRATION_DOMAIN,
    value: workerRegistrationMessage({ publicKey, name, timestampMs }),
  });
  const registered = await hub.app.inject({
    method: 'POST',
    url: '/worker/register',
    headers: token === undefined ? {} : { token },
    payload: { public_key: publicKey, name, timestamp_ms: timestampMs, signature: encodeBase64(signature) },
  });
  const { worker_id: workerId } = body(registered).data as { worker_id: string };
  /** A signed request to `app` (another hub over the same database, say). */
  const signedOn = (
    app: FastifyInstance,
    method: 'GET' | 'POST',
    url: string,
    payload: CanonicalValue = null,
  ): Promise<LightMyRequestResponse> => {
    const now = hub.clock.nowMs();
    const sig = signCanonical({
      secretKey: keys.secretKey,
      domain: WORKER_REQUEST_DOMAIN,
      value: workerRequestMessage({ method, path: url, timestampMs: now, body: payload }),
    });
    return app.inject({
      method,
      url,
      headers: {
        [WORKER_HEADERS.workerId]: workerId,
        [WORKER_HEADERS.timestampMs]: String(now),
        [WORKER_HEADERS.signature]: encodeBase64(sig),
      },
      ...(payload === null ? {} : { payload: payload as object }),
    });
  };
  const signed = (method: 'GET' | 'POST', url: string, payload: CanonicalValue = null) =>
    signedOn(hub.app, method, url, payload);
  const replica = (id: string, what: string) => `/worker/replicas/${id}/${what}`;
  return {
    workerId,
    signed,
    signedOn,
    lease: async (offer: Record<string, CanonicalValue> = {}) =>
      body(await signed('POST', '/worker/lease', { ...OFFER, ...offer })).data as {
        lease: ReplicaLease | null;
        leases: ReplicaLease[];
        reason: string | null;
      },
    submit: (
      replicaId: string,
      output: string,
      {
        fuel = 100,
        exitCode = 0,
        log = '',
        failure = null,
      }: {
        fuel?: number;
        exitCode?: number;
        log?: string;
        failure?: { code: string; message: string } | null;
      } = {},
    ) =>
      signed('POST', replica(replicaId, 'submit'), {
        output: encodeBase64(new TextEncoder().encode(output)),
        fuel_used: fuel,
        exit_code: exitCode,
        log,
        failure,
      }),
    submitProof: (replicaId: string, proof: string, publicInputs: string[]) =>
      signed('POST', replica(replicaId, 'proof'), { proof, public_inputs: publicInputs }),
    submitWitness: (replicaId: string, witness: string) =>
      signed('POST', replica(replicaId, 'witness'), { witness }),
    reportExecutionFailure: (replicaId: string) => signed('POST', replica(replicaId, 'execution-failure')),
    reportBadWitness: (replicaId: string) => signed('POST', replica(replicaId, 'bad-witness')),
    heartbeat: (replicaId: string) => signed('POST', replica(replicaId, 'heartbeat')),
    giveBack: (replicaId: string) => signed('POST', replica(replicaId, 'return')),
    me: async () =>
      body(await signed('GET', '/worker/me')).data as {
        reputation: {
          consecutive_valid: number;
          results_valid: number;
          results_invalid: number;
          leases_lapsed: number;
        };
      },
  };
}
