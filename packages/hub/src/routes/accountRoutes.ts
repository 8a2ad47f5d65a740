import { routes } from '@proofgrid/api';
import { ProofGridError } from '@proofgrid/core';
import { checkCredentials, listOrganizations, registerAccount } from '../accounts/accounts.ts';
import { closeSession, openSession, refreshSession, type TokenPair } from '../accounts/sessions.ts';
import type { LoginRateLimiter } from '../auth/LoginRateLimiter.ts';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { toPage } from '../store/paging.ts';

class TooManyLoginAttemptsError extends ProofGridError {
  override name = 'TooManyLoginAttemptsError';
  constructor(readonly retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', {
      shortMessage: 'Too many login attempts from this address.',
      details: `Wait ${retryAfterSeconds} s before trying again.`,
    });
  }
}

const pair = ({ tokenId, token }: TokenPair) => ({ token_id: tokenId, token });

/** Seed 004's `/account` routes: registration, login, token refresh, logout, the organization list. */
export function accountRoutes(
  ctx: HubContext,
  { loginLimiter }: { loginLimiter: LoginRateLimiter },
): RouteEntry[] {
  return [
    handle(routes.register, async ({ body }) => {
      await registerAccount(ctx, body);
      return null;
    }),
    handle(routes.login, async ({ body, clientAddress }) => {
      const waitSeconds = loginLimiter.attempt({ address: clientAddress, username: body.username });
      if (waitSeconds > 0) throw new TooManyLoginAttemptsError(waitSeconds);
      const { organizationId } = await checkCredentials(ctx, body);
      const tokens = await openSession(ctx, organizationId);
      return { basic_token: pair(tokens.basicToken), refresh_token: pair(tokens.refreshToken) };
    }),
    handle(routes.refreshToken, async ({ body }) => {
      const tokens = await refreshSession(ctx, body.refresh_token);
      return { ...pair(tokens.basicToken), refresh_token: pair(tokens.refreshToken) };
    }),
    handle(routes.logout, async ({ body }) => {
      await closeSession(ctx, body.token_id);
      return null;
    }),
    handle(routes.listOrganizations, async ({ query }) => {
      const { organizations, total } = await listOrganizations(ctx, {
        page: toPage(query),
        nameFilter: query.name_filter,
      });
      return {
        organizations: organizations.map((organization) => ({
          organization_id: organization.organizationId,
          name: organization.name,
          description: organization.description,
        })),
        total_elements_amount: total,
      };
    }),
  ];
}
