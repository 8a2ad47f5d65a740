import type { RouteAuth } from '@proofgrid/api';
import { type CanonicalValue, WORKER_HEADERS } from '@proofgrid/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate } from '../accounts/sessions.ts';
import type { HubContext } from '../context.ts';
import { InvalidTokenError, ValidationError } from '../errors.ts';
import { type AuthenticatedWorker, authenticateWorker } from '../workers/authenticateWorker.ts';
import { type RouteEntry, toFastifyRoute } from './handle.ts';

/** Token sizes beyond this are not tokens this hub issued; refused before any crypto. */
const TOKEN_LENGTH_MAX = 4096;
const WORKER_HEADER_LENGTH_MAX = 256;

/**
 * Registers every route in the scope of its authentication: a Fastify plugin per kind whose hook
 * authenticates each request before its handler runs, so a route cannot forget to check its caller, and
 * a caller the scope refuses never reaches a handler.
 */
export async function registerRoutes(
  app: FastifyInstance,
  ctx: HubContext,
  entries: readonly RouteEntry[],
): Promise<void> {
  app.decorateRequest('organizationId', null);
  app.decorateRequest('worker', null);
  const scopes: Record<RouteAuth, (scope: FastifyInstance) => void> = {
    none: () => undefined,
    organization: (scope) => {
      // Before the body is read: an unauthenticated upload is refused without being received.
      scope.addHook('onRequest', async (request) => {
        request.organizationId = await authenticateOrganization(ctx, request);
      });
    },
    organization_optional: (scope) => {
      scope.addHook('onRequest', async (request) => {
        if (request.headers.token !== undefined)
          request.organizationId = await authenticateOrganization(ctx, request);
      });
    },
    worker: (scope) => {
      // Before validation: the signature covers the body as the worker sent it, not as the schema's
      // defaults and coercions make it.
      scope.addHook('preValidation', async (request) => {
        request.worker = await authenticateWorkerRequest(ctx, request);
      });
    },
  };
  for (const [auth, install] of Object.entries(scopes) as [RouteAuth, (scope: FastifyInstance) => void][]) {
    const scoped = entries.filter((entry) => entry.route.auth === auth);
    if (scoped.length === 0) continue;
    await app.register(async (scope) => {
      install(scope);
      for (const entry of scoped) scope.route(toFastifyRoute(entry));
    });
  }
}

async function authenticateOrganization(ctx: HubContext, request: FastifyRequest): Promise<string> {
  const token = request.headers.token;
  if (typeof token !== 'string' || token === '')
    throw new InvalidTokenError({ reason: 'the `token` header is missing' });
  if (token.length > TOKEN_LENGTH_MAX) throw new InvalidTokenError({ reason: 'it is too long' });
  return (await authenticate(ctx, token)).organizationId;
}

async function authenticateWorkerRequest(
  ctx: HubContext,
  request: FastifyRequest,
): Promise<AuthenticatedWorker> {
  const header = (name: string) => {
    const value = request.headers[name];
    if (typeof value !== 'string' || value === '' || value.length > WORKER_HEADER_LENGTH_MAX) {
      throw new ValidationError({
        message: `The ${name} header is missing.`,
        details: 'Worker requests are signed: see the README, "The worker protocol".',
      });
    }
    return value;
  };
  return authenticateWorker(ctx, {
    workerId: header(WORKER_HEADERS.workerId),
    timestampMs: Number(header(WORKER_HEADERS.timestampMs)),
    signature: header(WORKER_HEADERS.signature),
    method: request.method,
    path: request.url,
    body: (request.body ?? null) as CanonicalValue,
  });
}
