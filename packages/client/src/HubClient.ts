import { HubApiError } from './HubApiError.ts';

export type TokenPair = { token_id: string; token: string };
export type LoginTokens = { basic_token: TokenPair; refresh_token: TokenPair };
export type Organization = { organization_id: string; name: string; description: string };
export type PageQuery = { limit?: number; page?: number };

/** What a request may carry: a JSON body or a multipart form, query parameters, the basic token. */
export type RequestOptions = {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  token?: string;
  form?: FormData;
  headers?: Record<string, string>;
};

/** Milliseconds a request may take before the client gives up (uploads included). */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * A typed client of the hub's HTTP API (seed 004's routes and ProofGrid's), for the CLI, the worker and
 * any TypeScript program. It speaks the JSON envelope and turns error answers into {@link HubApiError}.
 *
 * @example
 * const hub = new HubClient({ url: 'http://127.0.0.1:8080' });
 * const tokens = await hub.login({ username: 'lab', password: 'correct horse' });
 */
export class HubClient {
  readonly url: string;

  constructor({ url }: { url: string }) {
    this.url = url.replace(/\/+$/, '');
  }

  register(body: { username: string; password: string; name: string; description: string }): Promise<null> {
    return this.json('POST', '/account/register', { body });
  }

  login(body: { username: string; password: string }): Promise<LoginTokens> {
    return this.json('POST', '/account/login', { body });
  }

  refresh(refreshToken: string): Promise<TokenPair & { refresh_token: TokenPair }> {
    return this.json('POST', '/account/refresh-token', { body: { refresh_token: refreshToken } });
  }

  logout(refreshTokenId: string): Promise<null> {
    return this.json('DELETE', '/account/refresh-token', { body: { token_id: refreshTokenId } });
  }

  listOrganizations(query: PageQuery & { name_filter?: string } = {}): Promise<{
    organizations: Organization[];
    total_elements_amount: number;
  }> {
    return this.json('GET', '/account/organizations', { query });
  }

  /** Sends a request and returns the `data` of a success envelope. @throws {HubApiError} */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new HubApiError({
        code: 'BAD_RESPONSE',
        status: response.status,
        message: `The hub at ${this.url} answered ${method} ${path} with something that is not JSON (HTTP ${response.status}). Is this URL a ProofGrid hub?`,
      });
    }
    return unwrap<T>(envelope, response.status);
  }

  /** Sends a request and returns the raw response; error envelopes still throw. @throws {HubApiError} */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.url + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.token = options.token;
    let body: string | FormData | undefined;
    if (options.form !== undefined) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body ?? null,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new HubApiError({
        code: 'HUB_UNREACHABLE',
        status: 0,
        message: `Cannot reach the hub at ${this.url} (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}). Check the URL (--hub or PROOFGRID_HUB) and that the hub is running.`,
      });
    }
    if (!response.ok && (response.headers.get('content-type') ?? '').includes('application/json')) {
      unwrap(JSON.parse(await response.text()), response.status);
    }
    if (!response.ok) {
      throw new HubApiError({
        code: 'BAD_RESPONSE',
        status: response.status,
        message: `The hub answered HTTP ${response.status} to ${method} ${path}.`,
      });
    }
    return response;
  }
}

function unwrap<T>(envelope: unknown, status: number): T {
  if (typeof envelope === 'object' && envelope !== null && 'status' in envelope) {
    if (envelope.status === 'success' && 'data' in envelope) return envelope.data as T;
    if (envelope.status === 'error' && 'error_code' in envelope && 'error_message' in envelope) {
      throw new HubApiError({
        code: String(envelope.error_code),
        message: String(envelope.error_message),
        status,
      });
    }
  }
  throw new HubApiError({
    code: 'BAD_RESPONSE',
    status,
    message: `The hub's answer is not a ProofGrid envelope (HTTP ${status}).`,
  });
}
