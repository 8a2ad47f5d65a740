import { HubApiError, HubClient, type RequestOptions } from '@proofgrid/client';
import type { CommandIo } from '../commands/io.ts';
import { readLogin, writeLogin } from './credentials.ts';

/**
 * The hub as the logged-in organization: requests carry the stored basic token, and an expired one is
 * refreshed once (rotating the stored refresh token) before the request is retried.
 */
export class Session {
  readonly hub: HubClient;
  readonly #io: CommandIo;

  constructor({ hubUrl, io }: { hubUrl: string; io: CommandIo }) {
    this.hub = new HubClient({ url: hubUrl });
    this.#io = io;
  }

  json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.#withToken((token) => this.hub.json<T>(method, path, { ...options, token }));
  }

  send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    return this.#withToken((token) => this.hub.send(method, path, { ...options, token }));
  }

  async #withToken<T>(request: (token: string) => Promise<T>): Promise<T> {
    const login = readLogin(this.#io.env, this.hub.url);
    if (login === undefined)
      throw new Error(
        `Not logged in to ${this.hub.url}. Run: proofgrid account login --hub ${this.hub.url} --username <u>`,
      );
    try {
      return await request(login.basic_token.token);
    } catch (error) {
      if (!(error instanceof HubApiError && error.code === 'INVALID_TOKEN' && /expired/.test(error.message)))
        throw error;
      const fresh = await this.hub.refresh(login.refresh_token.token);
      writeLogin(this.#io.env, this.hub.url, {
        username: login.username,
        basic_token: { token_id: fresh.token_id, token: fresh.token },
        refresh_token: fresh.refresh_token,
      });
      return request(fresh.token);
    }
  }
}
