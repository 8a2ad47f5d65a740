import { BridgeUnavailableError } from '../errors.ts';

/** Answers read from a node at most this large; a block page is far smaller. */
const RESPONSE_BYTES_MAX = 32 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;

/** What a node said: its envelope's code (200 = done), message and data. */
export type NodeAnswer<T> = { status: number; code: number; msg: string; data: T };

/**
 * The few calls the bridge makes to a Proof-of-Training node's HTTP API (CurveTime's envelope
 * `{code, msg, data}`), with a timeout and a bound on what it reads. An unreachable node is
 * BRIDGE_UNAVAILABLE: the bridge tries again on its next round, it never guesses.
 */
export class NodeHttp {
  readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<NodeAnswer<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new BridgeUnavailableError({
        reason: `node ${this.url} is unreachable (${(error as Error).message})`,
      });
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > RESPONSE_BYTES_MAX)
      throw new BridgeUnavailableError({ reason: `node ${this.url} answered ${length} bytes` });
    const text = await response.text();
    if (text.length > RESPONSE_BYTES_MAX)
      throw new BridgeUnavailableError({ reason: `node ${this.url} answered too much` });
    let envelope: { code?: unknown; msg?: unknown; data?: unknown };
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new BridgeUnavailableError({
        reason: `node ${this.url} answered ${path} with something other than JSON`,
      });
    }
    return {
      status: response.status,
      code: typeof envelope.code === 'number' ? envelope.code : response.status,
      msg: typeof envelope.msg === 'string' ? envelope.msg : '',
      data: envelope.data as T,
    };
  }

  async get<T>(path: string): Promise<T> {
    const answer = await this.call<T>('GET', path);
    if (answer.status !== 200)
      throw new BridgeUnavailableError({
        reason: `node ${this.url} answered ${path} with ${answer.status}: ${answer.msg}`,
      });
    return answer.data;
  }
}
