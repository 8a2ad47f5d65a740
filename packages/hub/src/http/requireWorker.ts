import { type CanonicalValue, WORKER_HEADERS } from '@proofgrid/core';
import type { FastifyRequest } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { authenticateWorker, type WorkerRecord } from '../services/workers.ts';

/**
 * The worker a signed request comes from (headers `ProofGrid-Worker-Id`, `ProofGrid-Timestamp`,
 * `ProofGrid-Signature`). Worker routes call this first, as organization routes call requireOrganization.
 *
 * @throws WORKER_NOT_FOUND, INVALID_SIGNATURE, VALIDATION_FAILED
 */
export async function requireWorker(deps: HubDeps, request: FastifyRequest): Promise<WorkerRecord> {
  const header = (name: string) => {
    const value = request.headers[name];
    if (typeof value !== 'string' || value === '' || value.length > 256) {
      throw new ValidationError({
        message: `The ${name} header is missing.`,
        details: 'Worker requests are signed: see the README, "The worker protocol".',
      });
    }
    return value;
  };
  return authenticateWorker(deps, {
    workerId: header(WORKER_HEADERS.workerId),
    timestampMs: Number(header(WORKER_HEADERS.timestampMs)),
    signature: header(WORKER_HEADERS.signature),
    method: request.method,
    path: request.url,
    body: (request.body ?? null) as CanonicalValue,
  });
}

/** The OpenAPI security requirement of routes that call {@link requireWorker}. */
export const WORKER_SECURITY = [{ workerSignature: [] }];
