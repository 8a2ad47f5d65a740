import type { Transaction } from '@proofgrid/chain';
import { ProofGridError } from '@proofgrid/core';

/** How long a node has to answer one request. */
const REQUEST_TIMEOUT_MS = 15_000;

type Envelope<T> = { code: number; msg: string; data: T | null; error?: string };

/**
 * A client of a node's HTTP API (what `proofgrid wallet`, `chain`, `block` and `tx` use). Each method
 * returns the envelope's data, or throws the node's error with its code and message.
 */
export class NodeClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProofGridError('NODE_UNREACHABLE', {
        shortMessage: `No node answers at ${this.url}: ${(error as Error).message}.`,
        details:
          'Start one with `proofgrid node start`, or point at another with --node <url> (or $PROOFGRID_NODE).',
      });
    }
    let envelope: Envelope<T>;
    try {
      envelope = (await response.json()) as Envelope<T>;
    } catch {
      throw new ProofGridError('NODE_UNREACHABLE', {
        shortMessage: `${this.url} answered ${response.status} without a node's JSON envelope.`,
        details: 'Check that the URL is a ProofGrid node’s (try <url>/node/status).',
      });
    }
    if (envelope.data === null || response.status >= 400) {
      const code = envelope.error ?? 'NODE_REQUEST_INVALID';
      throw new ProofGridError(
        (code === 'CHAIN_OBJECT_NOT_FOUND' ||
        code === 'TRANSACTION_REFUSED' ||
        code === 'BLOCK_REFUSED' ||
        code === 'GENESIS_MISMATCH'
          ? code
          : 'NODE_REQUEST_INVALID') as 'NODE_REQUEST_INVALID',
        { shortMessage: envelope.msg },
      );
    }
    return envelope.data;
  }

  status() {
    return this.#request<{
      networkId: string;
      genesis: string;
      url: string;
      peerId: string;
      multiaddrs: string[];
      address: string;
      tip: { index: number; hash: string; checkpointSha256: string };
      peers: number;
      pendingTransactions: number;
    }>('GET', '/node/status');
  }

  account(address: string) {
    return this.#request<{
      address: string;
      balance: number;
      nonce: number;
      nextNonce: number;
      pending: number;
      tip: number;
    }>('GET', `/node/accounts/${address}`);
  }

  sendTransaction(transaction: Transaction) {
    return this.#request<{ hash: string; status: string }>('POST', '/node/transaction', transaction);
  }

  transaction(hash: string) {
    return this.#request<{
      hash: string;
      status: 'pending' | 'confirmed';
      transaction: Transaction;
      block: { index: number; hash: string; confirmations: number } | null;
    }>('GET', `/node/transactions/${hash}`);
  }

  block(id: string) {
    return this.#request<Record<string, unknown>>('GET', `/node/blocks/${id}`);
  }

  blocks(query: { from?: number; limit?: number } = {}) {
    const params = new URLSearchParams();
    if (query.from !== undefined) params.set('from', String(query.from));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.#request<Record<string, unknown>[]>('GET', `/node/blocks?${params}`);
  }

  job(id: string) {
    return this.#request<Record<string, unknown>>('GET', `/node/jobs/${id}`);
  }

  /** A job's latest checkpoint, as the node holds it (the caller checks it against the chain). */
  async checkpoint(id: string): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/node/jobs/${id}/checkpoint`, {
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new ProofGridError('NODE_UNREACHABLE', {
        shortMessage: `No node answers at ${this.url}: ${(error as Error).message}.`,
        details: 'Point at another node with --node <url>.',
      });
    }
    if (!response.ok) {
      const envelope = (await response.json().catch(() => ({ msg: response.statusText }))) as { msg: string };
      throw new ProofGridError('CHAIN_OBJECT_NOT_FOUND', { shortMessage: envelope.msg });
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  chain() {
    return this.#request<{ length: number; chain: string[]; peers: string[] }>('GET', '/node/chain');
  }
}
