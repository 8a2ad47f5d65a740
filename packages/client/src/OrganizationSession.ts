import type { RouteDefinition, RouteInput, RouteOutput } from '@proofgrid/api';
import { type HubApiError, isHubError } from './HubApiError.ts';
import { HubClient } from './HubClient.ts';
import type { Transport } from './transport.ts';

/** An organization's tokens: the short-lived basic token and the refresh token that renews it. */
export type SessionTokens = {
  username: string;
  basicToken: string;
  refreshToken: string;
  refreshTokenId: string;
};

/** Where a session keeps its tokens: memory by default; the command line keeps them in a private file. */
export interface TokenStore {
  read(): SessionTokens | undefined;
  write(tokens: SessionTokens | undefined): void;
}

/** A {@link TokenStore} that keeps the tokens in this process only. */
export function memoryTokenStore(initial?: SessionTokens): TokenStore {
  let tokens = initial;
  return {
    read: () => tokens,
    write: (next) => {
      tokens = next;
    },
  };
}

/** Thrown when a session has no tokens: nobody logged in. */
export class NotLoggedInError extends Error {
  override name = 'NotLoggedInError';
  constructor(readonly hubUrl: string) {
    super(`Not logged in to ${hubUrl}.`);
  }
}

/**
 * A hub as one logged-in organization: every call carries its basic token, and an expired one is traded
 * for a new one (rotating the refresh token) once, before the call is tried again.
 *
 * @example
 * const org = await OrganizationSession.login({ url: 'http://127.0.0.1:8080', username: 'lab', password: '…' });
 * const { programs } = await org.call(routes.listMyPrograms, {});
 */
export class OrganizationSession {
  readonly hub: HubClient;
  readonly #tokens: TokenStore;

  constructor({ hub, tokens }: { hub: HubClient; tokens: TokenStore }) {
    this.hub = hub;
    this.#tokens = tokens;
  }

  /** Logs in and keeps the tokens in `store` (memory by default). @throws {HubApiError} WRONG_CREDENTIALS, … */
  static async login({
    url,
    username,
    password,
    store = memoryTokenStore(),
    transport,
  }: {
    url: string;
    username: string;
    password: string;
    store?: TokenStore;
    /** How requests reach the hub (see {@link HubClient}). */
    transport?: Transport;
  }): Promise<OrganizationSession> {
    const hub = new HubClient({ url, ...(transport === undefined ? {} : { transport }) });
    const tokens = await hub.api.login({ body: { username, password } });
    store.write({
      username,
      basicToken: tokens.basic_token.token,
      refreshToken: tokens.refresh_token.token,
      refreshTokenId: tokens.refresh_token.token_id,
    });
    return new OrganizationSession({ hub, tokens: store });
  }

  /** The username logged in, if any. */
  get username(): string | undefined {
    return this.#tokens.read()?.username;
  }

  /**
   * Calls a route as this organization.
   *
   * @throws {NotLoggedInError} no tokens; {@link HubApiError} what the hub answered
   */
  async call<R extends RouteDefinition>(route: R, input: RouteInput<R>): Promise<RouteOutput<R>> {
    const tokens = this.#tokens.read();
    if (tokens === undefined) throw new NotLoggedInError(this.hub.url);
    try {
      return await this.hub.call(route, input, { token: tokens.basicToken });
    } catch (error) {
      if (!(isHubError(error, 'INVALID_TOKEN') && error.action === 'refresh_token')) throw error;
      const fresh = await this.hub.api.refreshToken({ body: { refresh_token: tokens.refreshToken } });
      this.#tokens.write({
        username: tokens.username,
        basicToken: fresh.token,
        refreshToken: fresh.refresh_token.token,
        refreshTokenId: fresh.refresh_token.token_id,
      });
      return this.hub.call(route, input, { token: fresh.token });
    }
  }

  /** Revokes the session on the hub and forgets the tokens. Logging out twice is not an error. */
  async logout(): Promise<void> {
    const tokens = this.#tokens.read();
    if (tokens === undefined) return;
    await this.hub.api.logout({ body: { token_id: tokens.refreshTokenId } });
    this.#tokens.write(undefined);
  }
}
