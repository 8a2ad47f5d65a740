import {
  type CanonicalValue,
  isUuid,
  ProofGridError,
  verifyCanonical,
  WORKER_REQUEST_DOMAIN,
  workerRequestMessage,
} from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { checkSkew, decodeFixed, InvalidSignatureError } from './workerErrors.ts';

const SIGNATURE_BYTES = 64;

/** The worker a signed request comes from. */
export type AuthenticatedWorker = { workerId: string; organizationId: string | null; name: string };

/**
 * Checks a signed worker request: the worker exists, the time is within the allowed skew, and the
 * signature covers this method, path and body. Notes when the worker was last seen (it counts as
 * connected for a while).
 *
 * @throws WORKER_NOT_FOUND, INVALID_SIGNATURE, VALIDATION_FAILED
 */
export async function authenticateWorker(
  deps: Pick<HubDeps, 'store' | 'clock'>,
  request: {
    workerId: string;
    timestampMs: number;
    signature: string;
    method: string;
    path: string;
    body: CanonicalValue;
  },
): Promise<AuthenticatedWorker> {
  const signature = decodeFixed(request.signature, SIGNATURE_BYTES, 'signature');
  const nowMs = deps.clock.nowMs();
  checkSkew(request.timestampMs, nowMs);
  const found = isUuid(request.workerId)
    ? await deps.store.query<{ public_key: Uint8Array; organization_id: string | null; name: string }>(
        'SELECT public_key, organization_id, name FROM worker WHERE worker_id = $1',
        [request.workerId],
      )
    : { rows: [] };
  const worker = found.rows[0];
  if (worker === undefined) {
    throw new ProofGridError('WORKER_NOT_FOUND', {
      shortMessage: `No worker ${request.workerId} is registered on this hub.`,
      details: 'Register the worker and use the worker id it is given.',
      action: 'register_worker',
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
      publicKey: new Uint8Array(worker.public_key),
      domain: WORKER_REQUEST_DOMAIN,
      value: message,
      signature,
    })
  )
    throw new InvalidSignatureError({ reason: 'it does not cover this request with this worker key' });
  await deps.store.query('UPDATE worker SET last_seen_at = $2 WHERE worker_id = $1', [
    request.workerId,
    new Date(nowMs),
  ]);
  return { workerId: request.workerId, organizationId: worker.organization_id, name: worker.name };
}
