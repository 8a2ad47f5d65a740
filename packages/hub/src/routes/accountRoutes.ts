import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DESCRIPTION_LENGTH_MAX,
  NAME_LENGTH_MAX,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
  ProofGridError,
  USERNAME_LENGTH_MAX,
  USERNAME_LENGTH_MIN,
} from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { LoginRateLimiter } from '../auth/LoginRateLimiter.ts';
import type { HubDeps } from '../deps.ts';
import { jsonResponses, success } from '../http/envelope.ts';
import { NameFilterQuery } from '../schemas/common.ts';
import { checkCredentials, listOrganizations, registerAccount } from '../services/accounts.ts';
import { toPage } from '../services/pages.ts';
import { closeSession, openSession, refreshSession } from '../services/sessions.ts';

const TokenPairSchema = Type.Object({ token_id: Type.String(), token: Type.String() });

class TooManyLoginAttemptsError extends ProofGridError {
  override name = 'TooManyLoginAttemptsError';
  constructor(readonly retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', {
      shortMessage: 'Too many login attempts from this address.',
      details: `Wait ${retryAfterSeconds} s before trying again.`,
    });
  }
}

/** Seed 004's `/account` routes: registration, login, token refresh, logout, the organization list. */
export const accountRoutes: FastifyPluginAsync<{ deps: HubDeps; loginLimiter: LoginRateLimiter }> = async (
  fastify,
  { deps, loginLimiter },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/account/register',
    {
      schema: {
        tags: ['account'],
        summary: 'Register an organization',
        body: Type.Object({
          username: Type.String({
            minLength: USERNAME_LENGTH_MIN,
            maxLength: USERNAME_LENGTH_MAX,
            pattern: '^\\S+$',
          }),
          password: Type.String({ minLength: PASSWORD_LENGTH_MIN, maxLength: PASSWORD_LENGTH_MAX }),
          name: Type.String({
            minLength: 1,
            maxLength: NAME_LENGTH_MAX,
            description: 'Public name of the organization.',
          }),
          description: Type.String({ maxLength: DESCRIPTION_LENGTH_MAX }),
        }),
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      await registerAccount(deps, request.body);
      return success(null);
    },
  );

  app.post(
    '/account/login',
    {
      schema: {
        tags: ['account'],
        summary: 'Log in: a short-lived basic token and a refresh token',
        description: `Attempts are rate-limited per client address and username (429 TOO_MANY_REQUESTS with Retry-After).`,
        body: Type.Object({
          username: Type.String({ maxLength: USERNAME_LENGTH_MAX }),
          password: Type.String({ maxLength: PASSWORD_LENGTH_MAX }),
        }),
        response: jsonResponses(
          Type.Object({ basic_token: TokenPairSchema, refresh_token: TokenPairSchema }),
        ),
      },
    },
    async (request) => {
      const waitSeconds = loginLimiter.attempt({ address: request.ip, username: request.body.username });
      if (waitSeconds > 0) throw new TooManyLoginAttemptsError(waitSeconds);
      const { organizationId } = await checkCredentials(deps, request.body);
      return success(await openSession(deps, organizationId));
    },
  );

  app.post(
    '/account/refresh-token',
    {
      schema: {
        tags: ['account'],
        summary: 'Trade a refresh token for a new basic token and a new refresh token',
        description:
          'Refresh tokens rotate: each works once, and `data.refresh_token` replaces it. Reusing a spent one revokes the session.',
        body: Type.Object({ refresh_token: Type.String({ maxLength: 1024 }) }),
        response: jsonResponses(
          Type.Object({ ...TokenPairSchema.properties, refresh_token: TokenPairSchema }),
        ),
      },
    },
    async (request) => success(await refreshSession(deps, request.body.refresh_token)),
  );

  app.delete(
    '/account/refresh-token',
    {
      schema: {
        tags: ['account'],
        summary: 'Log out: revoke the session of a refresh token, and every token issued in it',
        body: Type.Object({
          token_id: Type.String({ maxLength: 64, description: 'Id of the refresh token.' }),
        }),
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      await closeSession(deps, request.body.token_id);
      return success(null);
    },
  );

  app.get(
    '/account/organizations',
    {
      schema: {
        tags: ['account'],
        summary: 'List organizations',
        querystring: NameFilterQuery,
        response: jsonResponses(
          Type.Object({
            organizations: Type.Array(
              Type.Object({
                organization_id: Type.String(),
                name: Type.String(),
                description: Type.String(),
              }),
            ),
            total_elements_amount: Type.Integer(),
          }),
        ),
      },
    },
    async (request) =>
      success(
        await listOrganizations(deps, { page: toPage(request.query), nameFilter: request.query.name_filter }),
      ),
  );
};
