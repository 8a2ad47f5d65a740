import { randomUUID } from 'node:crypto';
import {
  assert,
  type CanonicalValue,
  decodeBase64,
  isUuid,
  ProofGridError,
  verifyCanonical,
  WORKER_REGISTRATION_DOMAIN,
  WORKER_REQUEST_DOMAIN,
  WORKER_SIGNATURE_SKEW_MS_MAX,
  workerRegistrationMessage,
  workerRequestMessage,
} from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** A worker as the API shows it. */
export type WorkerRecord = {
  worker_id: string;
  name: string;
  organization_id: string | null;
  registered_at: string;
  last_seen_at: string;
  reputation: { consecutive_valid: number; results_valid: number; results_invalid: number };
};

class InvalidSignatureError extends ProofGridError {
  override name = 'InvalidSignatureError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_SIGNATURE', {
      shortMessage: `The worker's signature is not accepted: ${reason}.`,
      details:
        "Sign with the worker's own key over the exact request, and keep the machine's clock within 5 minutes of the hub's.",
    });
  }
}

/**
 * Registers a worker's Ed25519 key, proven by a signature over (key, name, time). Registering the same key
 * again returns the same worker id (and updates its name); a valid `token` links it to that account.
 *
 * @throws VALIDATION_FAILED (malformed key or signature), INVALID_SIGNATURE
 */
export async function registerWorker(
  deps: HubDeps,
  parameters: {
    publicKey: string;
    name: string;
    timestampMs: number;
    signature: string;
    organizationId: string | undefined;
  },
): Promise<{ worker_id: string; organization_id: string | null }> {
  const publicKey = decodeFixed(parameters.publicKey, PUBLIC_KEY_BYTES, 'public_key');
  const signature = decodeFixed(parameters.signature, SIGNATURE_BYTES, 'signature');
  const nowMs = deps.clock.nowMs();
  checkSkew(parameters.timestampMs, nowMs);
  const message = workerRegistrationMessage({
    publicKey: parameters.publicKey,
    name: parameters.name,
    timestampMs: parameters.timestampMs,
  });
  if (!verifyCanonical({ publicKey, domain: WORKER_REGISTRATION_DOMAIN, value: message, signature })) {
    throw new InvalidSignatureError({ reason: 'it does not match the public key' });
  }
  const now = new Date(nowMs);
  const result = await deps.store.query<{ worker_id: string; organization_id: string | null }>(
    `INSERT INTO worker (worker_id, public_key, organization_id, name, registered_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (public_key) DO UPDATE
       SET name = EXCLUDED.name, last_seen_at = EXCLUDED.last_seen_at,
           organization_id = coalesce(EXCLUDED.organization_id, worker.organization_id)
     RETURNING worker_id, organization_id`,
    [randomUUID(), publicKey, parameters.organizationId ?? null, parameters.name, now],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'an upsert returns its row');
  return row;
}

/**
 * Checks a signed worker request: the worker exists, the time is within the allowed skew, and the
 * signature covers this method, path and body. Returns the worker.
 *
 * @throws WORKER_NOT_FOUND, INVALID_SIGNATURE, VALIDATION_FAILED
 */
export async function authenticateWorker(
  deps: HubDeps,
  request: {
    workerId: string;
    timestampMs: number;
    signature: string;
    method: string;
    path: string;
    body: CanonicalValue;
  },
): Promise<WorkerRecord> {
  const signature = decodeFixed(request.signature, SIGNATURE_BYTES, 'signature');
  const nowMs = deps.clock.nowMs();
  checkSkew(request.timestampMs, nowMs);
  const found = isUuid(request.workerId)
    ? await deps.store.query<{ public_key: Uint8Array }>(
        'SELECT public_key FROM worker WHERE worker_id = $1',
        [request.workerId],
      )
    : { rows: [] };
  const publicKey = found.rows[0]?.public_key;
  if (publicKey === undefined) {
    throw new ProofGridError('WORKER_NOT_FOUND', {
      shortMessage: `No worker ${request.workerId} is registered on this hub.`,
      details: 'Register the worker (POST /worker/register) and use the worker_id it returns.',
    });
  }
  const message = workerRequestMessage({
    method: request.method,
    path: request.path,
    timestampMs: request.timestampMs,
    body: request.body,
  });
  if (
    !verifyCanonical({
      publicKey: new Uint8Array(publicKey),
      domain: WORKER_REQUEST_DOMAIN,
      value: message,
      signature,
    })
  ) {
    throw new InvalidSignatureError({ reason: 'it does not cover this request with this worker key' });
  }
  const updated = await deps.store.query<{
    worker_id: string;
    name: string;
    organization_id: string | null;
    registered_at: Date;
    last_seen_at: Date;
    consecutive_valid: number;
    results_valid: number;
    results_invalid: number;
  }>(
    `UPDATE worker SET last_seen_at = $2 WHERE worker_id = $1
     RETURNING worker_id, name, organization_id, registered_at, last_seen_at, consecutive_valid, results_valid, results_invalid`,
    [request.workerId, new Date(nowMs)],
  );
  const row = updated.rows[0];
  assert(row !== undefined, 'workers are never deleted, so the one just read still exists');
  return {
    worker_id: row.worker_id,
    name: row.name,
    organization_id: row.organization_id,
    registered_at: row.registered_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    reputation: {
      consecutive_valid: row.consecutive_valid,
      results_valid: row.results_valid,
      results_invalid: row.results_invalid,
    },
  };
}

function checkSkew(timestampMs: number, nowMs: number): void {
  if (!Number.isSafeInteger(timestampMs) || Math.abs(timestampMs - nowMs) > WORKER_SIGNATURE_SKEW_MS_MAX) {
    throw new InvalidSignatureError({
      reason: `its timestamp ${timestampMs} is more than 5 minutes from the hub's time ${nowMs}`,
    });
  }
}

function decodeFixed(text: string, length: number, field: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (bytes === undefined || bytes.length !== length) {
    throw new ValidationError({
      message: `${field} must be ${length} bytes in standard base64.`,
      details: 'Encode the raw Ed25519 bytes with base64.',
    });
  }
  return bytes;
}
