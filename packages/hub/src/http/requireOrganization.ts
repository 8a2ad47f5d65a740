import type { FastifyRequest } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { InvalidTokenError } from '../errors.ts';
import { authenticate } from '../services/sessions.ts';

/** Token sizes beyond this are not tokens this hub issued; refused before any crypto. */
const TOKEN_LENGTH_MAX = 4096;

/**
 * The organization a request speaks for, from its `token` header (seed 004's header name). Routes that
 * need one call this first.
 *
 * @throws INVALID_TOKEN when the header is missing, malformed, expired or logged out
 */
export async function requireOrganization(
  deps: HubDeps,
  request: FastifyRequest,
): Promise<{ organizationId: string }> {
  const token = request.headers.token;
  if (typeof token !== 'string' || token === '') {
    throw new InvalidTokenError({ reason: 'the `token` header is missing' });
  }
  if (token.length > TOKEN_LENGTH_MAX) throw new InvalidTokenError({ reason: 'it is too long' });
  return authenticate(deps, token);
}

/** The OpenAPI security requirement of routes that call {@link requireOrganization}. */
export const TOKEN_SECURITY = [{ token: [] }];
