import { HubClient, OrganizationSession, type SessionTokens, type TokenStore } from '@proofgrid/client';
import { nodeTransport } from '@proofgrid/client/node';
import { readLogin, writeLogin } from './credentials.ts';

/** The login kept for a hub URL (`credentials.json`), as a session's token store. */
export function fileTokenStore(env: NodeJS.ProcessEnv, hubUrl: string): TokenStore {
  return {
    read: (): SessionTokens | undefined => {
      const login = readLogin(env, hubUrl);
      return login === undefined
        ? undefined
        : {
            username: login.username,
            basicToken: login.basic_token.token,
            refreshToken: login.refresh_token.token,
            refreshTokenId: login.refresh_token.token_id,
          };
    },
    write: (tokens) => {
      const previous = readLogin(env, hubUrl);
      writeLogin(
        env,
        hubUrl,
        tokens === undefined
          ? undefined
          : {
              username: tokens.username,
              basic_token: { token_id: previous?.basic_token.token_id ?? '', token: tokens.basicToken },
              refresh_token: { token_id: tokens.refreshTokenId, token: tokens.refreshToken },
            },
      );
    },
  };
}

/** The hub as the organization logged in to it with `proofgrid account login`. */
export function organizationSession(env: NodeJS.ProcessEnv, hubUrl: string): OrganizationSession {
  return new OrganizationSession({
    hub: new HubClient({ url: hubUrl, transport: nodeTransport }),
    tokens: fileTokenStore(env, hubUrl),
  });
}
