import {
  type FileOutput,
  type RouteDefinition,
  type RouteId,
  type RouteInput,
  type RouteOutput,
  routePath,
  routes,
} from '@proofgrid/api';
import { ERROR_ACTIONS, ERROR_CODES, type ErrorAction, type ErrorCode } from '@proofgrid/core';
import { HubApiError } from './HubApiError.ts';

/** Milliseconds a request may take before the client gives up (uploads included). */
const REQUEST_TIMEOUT_MS = 120_000;

/** What a call carries besides its route's input: the organization's token, extra headers (signatures). */
export type CallOptions = { token?: string; headers?: Record<string, string> };

type Routes = typeof routes;

/** Every route of the hub as a method named after it, typed from the contract. */
export type HubApi = {
  [K in RouteId]: (input: RouteInput<Routes[K]>, options?: CallOptions) => Promise<RouteOutput<Routes[K]>>;
};

/**
 * A typed client of every route of a hub (seed 004's and ProofGrid's), for the CLI, the worker and any
 * TypeScript program. It speaks the JSON envelope and turns error answers into {@link HubApiError}.
 *
 * @example
 * const hub = new HubClient({ url: 'http://127.0.0.1:8080' });
 * const { organizations } = await hub.api.listOrganizations({ query: { name_filter: 'lab' } });
 */
export class HubClient {
  readonly url: string;
  /** Each route as a method: `hub.api.listMyPrograms({ query: { page: 2 } }, { token })`. */
  readonly api: HubApi;

  constructor({ url }: { url: string }) {
    this.url = url.replace(/\/+$/, '');
    this.api = Object.fromEntries(
      Object.entries(routes).map(([id, route]) => [
        id,
        (input: never, options?: CallOptions) => this.call(route as RouteDefinition, input, options),
      ]),
    ) as unknown as HubApi;
  }

  /**
   * Calls one route: the `data` of its success envelope for a JSON route, the bytes and typed headers for
   * a file route.
   *
   * @throws {HubApiError} the hub's error, or HUB_UNREACHABLE / BAD_RESPONSE
   */
  async call<R extends RouteDefinition>(
    route: R,
    input: RouteInput<R>,
    options: CallOptions = {},
  ): Promise<RouteOutput<R>> {
    const parts = input as {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const path = routePath(route.path, parts.params);
    const response = await this.send(route, { path, input: parts, options });
    if (route.reply.kind === 'json')
      return unwrap(await readJson(response, route, this.url), response.status) as RouteOutput<R>;
    const headers: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(route.reply.headers?.properties ?? {})) {
      const value = response.headers.get(name);
      headers[name] =
        value === null || (schema as { type?: string }).type !== 'object' ? value : JSON.parse(value);
    }
    const file: FileOutput<unknown> = {
      bytes: new Uint8Array(await response.arrayBuffer()),
      headers: headers as never,
    };
    return file as RouteOutput<R>;
  }

  /** The request itself: URL, token and headers, JSON or multipart body; error answers become errors. */
  async send(
    route: RouteDefinition,
    {
      path,
      input,
      options,
    }: {
      path: string;
      input: {
        query?: Record<string, unknown>;
        body?: unknown;
        file?: { name: string; bytes: Uint8Array };
        data?: unknown;
      };
      options: CallOptions;
    },
  ): Promise<Response> {
    const url = new URL(this.url + path);
    for (const [key, value] of Object.entries(input.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.token = options.token;
    let body: string | FormData | null = null;
    if (route.multipart !== undefined && input.file !== undefined) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(input.file.bytes)]), input.file.name);
      if (input.data !== undefined) form.append('data', JSON.stringify(input.data));
      body = form;
    } else if (route.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: route.method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new HubApiError({
        code: 'HUB_UNREACHABLE',
        status: 0,
        message: `Cannot reach the hub at ${this.url} (${cause}). Check the hub's URL and that the hub is running.`,
      });
    }
    if (response.ok) return response;
    if ((response.headers.get('content-type') ?? '').includes('application/json'))
      unwrap(await readJson(response, route, this.url), response.status);
    throw new HubApiError({
      code: 'BAD_RESPONSE',
      status: response.status,
      message: `The hub at ${this.url} answered HTTP ${response.status} to ${route.id}.`,
    });
  }
}

async function readJson(response: Response, route: RouteDefinition, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new HubApiError({
      code: 'BAD_RESPONSE',
      status: response.status,
      message: `The hub at ${url} answered ${route.id} with something that is not JSON (HTTP ${response.status}). Is this URL a ProofGrid hub?`,
    });
  }
}

const CODES = new Set<string>(ERROR_CODES);
const ACTIONS = new Set<string>(ERROR_ACTIONS);

function unwrap(envelope: unknown, status: number): unknown {
  if (typeof envelope === 'object' && envelope !== null && 'status' in envelope) {
    if (envelope.status === 'success' && 'data' in envelope) return envelope.data;
    if (envelope.status === 'error' && 'error_code' in envelope && 'error_message' in envelope) {
      const { error_code: code, error_message: message } = envelope as {
        error_code: unknown;
        error_message: unknown;
      };
      const detail = 'error_detail' in envelope ? envelope.error_detail : undefined;
      const action = 'error_action' in envelope ? envelope.error_action : undefined;
      throw new HubApiError({
        code: CODES.has(String(code)) ? (code as ErrorCode) : 'BAD_RESPONSE',
        message: String(message),
        status,
        detail: typeof detail === 'string' ? detail : String(message),
        action: typeof action === 'string' && ACTIONS.has(action) ? (action as ErrorAction) : null,
      });
    }
  }
  throw new HubApiError({
    code: 'BAD_RESPONSE',
    status,
    message: `The hub's answer is not a ProofGrid envelope (HTTP ${status}).`,
  });
}
