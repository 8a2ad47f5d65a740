import {
  DESCRIPTION_LENGTH_MAX,
  NAME_LENGTH_MAX,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
  USERNAME_LENGTH_MAX,
  USERNAME_LENGTH_MIN,
} from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { NameFilterQuery } from '../schemas/common.ts';
import { Organization } from '../schemas/entities.ts';

const TokenPair = Type.Object({ token_id: Type.String(), token: Type.String() });

/** Seed 004's `/account` routes: registration, login, token refresh, logout, the organization list. */

export const register = defineRoute({
  id: 'register',
  method: 'POST',
  path: '/account/register',
  auth: 'none',
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
  reply: { kind: 'json', data: Type.Null() },
});

export const login = defineRoute({
  id: 'login',
  method: 'POST',
  path: '/account/login',
  auth: 'none',
  tags: ['account'],
  summary: 'Log in: a short-lived basic token and a refresh token',
  description:
    'Attempts are rate-limited per client address and username (429 TOO_MANY_REQUESTS with Retry-After).',
  body: Type.Object({
    username: Type.String({ maxLength: USERNAME_LENGTH_MAX }),
    password: Type.String({ maxLength: PASSWORD_LENGTH_MAX }),
  }),
  reply: { kind: 'json', data: Type.Object({ basic_token: TokenPair, refresh_token: TokenPair }) },
});

export const refreshToken = defineRoute({
  id: 'refreshToken',
  method: 'POST',
  path: '/account/refresh-token',
  auth: 'none',
  tags: ['account'],
  summary: 'Trade a refresh token for a new basic token and a new refresh token',
  description:
    'Refresh tokens rotate: each works once, and `data.refresh_token` replaces it. Reusing a spent one revokes the session.',
  body: Type.Object({ refresh_token: Type.String({ maxLength: 1024 }) }),
  reply: { kind: 'json', data: Type.Object({ ...TokenPair.properties, refresh_token: TokenPair }) },
});

export const logout = defineRoute({
  id: 'logout',
  method: 'DELETE',
  path: '/account/refresh-token',
  auth: 'none',
  tags: ['account'],
  summary: 'Log out: revoke the session of a refresh token, and every token issued in it',
  body: Type.Object({ token_id: Type.String({ maxLength: 64, description: 'Id of the refresh token.' }) }),
  reply: { kind: 'json', data: Type.Null() },
});

export const listOrganizations = defineRoute({
  id: 'listOrganizations',
  method: 'GET',
  path: '/account/organizations',
  auth: 'none',
  tags: ['account'],
  summary: 'List organizations',
  query: NameFilterQuery,
  reply: {
    kind: 'json',
    data: Type.Object({ organizations: Type.Array(Organization), total_elements_amount: Type.Integer() }),
  },
});
