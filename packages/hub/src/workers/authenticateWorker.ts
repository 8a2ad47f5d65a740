import {
  type CanonicalValue,
  isUuid,
  ProofGridError,
  signingMessage,
  WORKER_REQUEST_DOMAIN,
  workerRequestMessage,
} from '@proofgrid/core';
import type { HubContext } from '../context.ts';
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
  ctx: Pick<HubContext, 'clock' | 'workers'>,
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
  const nowMs = ctx.clock.nowMs();
  checkSkew(request.timestampMs, nowMs);
  const worker = isUuid(request.workerId) ? await ctx.workers.get(request.workerId, nowMs) : undefined;
  if (worker === undefined) {
    throw new ProofGridError('WORKER_NOT_FOUND', {
      shortMessage: `No worker ${request.workerId} is registered on this hub.`,
      details: 'Register the worker and use the worker id it is given.',
      action: 'register_worker',
    });
  }
  const message = signingMessage({
    domain: WORKER_REQUEST_DOMAIN,
    value: workerRequestMessage({
      method: request.method,
      path: request.path,
      timestampMs: request.timestampMs,
      body: request.body,
    }),
  });
  if (!ctx.workers.verifies(worker.publicKey, message, signature))
    throw new InvalidSignatureError({ reason: 'it does not cover this request with this worker key' });
  await ctx.workers.seen(request.workerId, nowMs);
  return { workerId: request.workerId, organizationId: worker.organizationId, name: worker.name };
}
