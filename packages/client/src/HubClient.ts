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
import { encodeMultipart, fetchTransport, type HubResponse, type Transport } from './transport.ts';

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

  readonly #transport: Transport;

  /** `transport` defaults to `fetch`; in Node, `nodeTransport` from `@proofgrid/client/node` starts faster. */
  constructor({ url, transport = fetchTransport }: { url: string; transport?: Transport }) {
    this.url = url.replace(/\/+$/, '');
    this.#transport = transport;
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
      const value = response.header(name);
      headers[name] =
        value === null || (schema as { type?: string }).type !== 'object'
          ? value
          : parseHeader(value, name, route, this.url);
    }
    const file: FileOutput<unknown> = {
      bytes: await response.bytes(),
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
  ): Promise<HubResponse> {
    const url = new URL(this.url + path);
    for (const [key, value] of Object.entries(input.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.token = options.token;
    let body: string | Uint8Array | null = null;
    if (route.multipart !== undefined && input.file !== undefined) {
      const form = encodeMultipart([
        { name: 'file', filename: input.file.name, bytes: input.file.bytes },
        ...(input.data === undefined ? [] : [{ name: 'data', value: JSON.stringify(input.data) }]),
      ]);
      headers['content-type'] = form.contentType;
      body = form.body;
    } else if (route.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    let response: HubResponse;
    try {
      response = await this.#transport({
        url: url.toString(),
        method: route.method,
        headers,
        body,
        timeoutMs: REQUEST_TIMEOUT_MS,
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
    if (response.status >= 200 && response.status < 300) return response;
    if ((response.header('content-type') ?? '').includes('application/json'))
      unwrap(await readJson(response, route, this.url), response.status);
    throw new HubApiError({
      code: 'BAD_RESPONSE',
      status: response.status,
      message: `The hub at ${this.url} answered HTTP ${response.status} to ${route.id}.`,
    });
  }
}

async function readJson(response: HubResponse, route: RouteDefinition, url: string): Promise<unknown> {
  const text = new TextDecoder().decode(await response.bytes());
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

function parseHeader(value: string, name: string, route: RouteDefinition, url: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new HubApiError({
      code: 'BAD_RESPONSE',
      status: 200,
      message: `The hub at ${url} answered ${route.id} with a ${name} header that is not JSON. Is this URL a ProofGrid hub?`,
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
