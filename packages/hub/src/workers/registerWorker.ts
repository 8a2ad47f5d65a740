import { randomUUID } from 'node:crypto';
import {
  assert,
  signingMessage,
  WORKER_REGISTRATION_DOMAIN,
  workerRegistrationMessage,
} from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { ed25519PublicKey, verifiesEd25519 } from './ed25519.ts';
import { checkSkew, decodeFixed, InvalidSignatureError } from './workerErrors.ts';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/**
 * Registers a worker's Ed25519 key, proven by a signature over (key, name, time). Registering the same key
 * again returns the same worker id (and updates its name); an organization links it to that account.
 *
 * @throws VALIDATION_FAILED (malformed key or signature), INVALID_SIGNATURE
 */
export async function registerWorker(
  deps: Pick<HubDeps, 'store' | 'clock'>,
  parameters: {
    publicKey: string;
    name: string;
    timestampMs: number;
    signature: string;
    organizationId: string | undefined;
  },
): Promise<{ workerId: string; organizationId: string | null }> {
  const publicKey = decodeFixed(parameters.publicKey, PUBLIC_KEY_BYTES, 'public_key');
  const signature = decodeFixed(parameters.signature, SIGNATURE_BYTES, 'signature');
  const nowMs = deps.clock.nowMs();
  checkSkew(parameters.timestampMs, nowMs);
  const message = workerRegistrationMessage({
    publicKey: parameters.publicKey,
    name: parameters.name,
    timestampMs: parameters.timestampMs,
  });
  const signed = signingMessage({ domain: WORKER_REGISTRATION_DOMAIN, value: message });
  if (!verifiesEd25519(ed25519PublicKey(publicKey), signed, signature))
    throw new InvalidSignatureError({ reason: 'it does not match the public key' });
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
  return { workerId: row.worker_id, organizationId: row.organization_id };
}
