import type { CanonicalValue } from '../encoding/encodeCanonical.ts';

/** Signature domains of the worker protocol: a signature made for one can never pass as another. */
export const WORKER_REGISTRATION_DOMAIN = 'proofgrid.worker.register.v1';
export const WORKER_REQUEST_DOMAIN = 'proofgrid.worker.request.v1';

/** How far a signed timestamp may stray from the hub's clock; a captured request is useless after it. */
export const WORKER_SIGNATURE_SKEW_MS_MAX = 5 * 60_000;

/** Headers of a signed worker request. */
export const WORKER_HEADERS = {
  workerId: 'proofgrid-worker-id',
  timestampMs: 'proofgrid-timestamp',
  signature: 'proofgrid-signature',
} as const;

/** What a worker signs to register its key: proof that it holds the secret key. */
export function workerRegistrationMessage({
  publicKey,
  name,
  timestampMs,
}: {
  publicKey: string;
  name: string;
  timestampMs: number;
}): CanonicalValue {
  return { public_key: publicKey, name, timestamp_ms: timestampMs };
}

/**
 * What a worker signs for each request: method, path (with query), time and the parsed JSON body, so a
 * signature cannot be moved to another request, replayed much later, or kept with a changed body.
 */
export function workerRequestMessage({
  method,
  path,
  timestampMs,
  body,
}: {
  method: string;
  path: string;
  timestampMs: number;
  body: CanonicalValue;
}): CanonicalValue {
  return { method: method.toUpperCase(), path, timestamp_ms: timestampMs, body };
}
