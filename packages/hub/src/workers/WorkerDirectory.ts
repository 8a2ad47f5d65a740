import type { KeyObject } from 'node:crypto';
import { assert } from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';
import { ed25519PublicKey, verifiesEd25519 } from './ed25519.ts';

type Entry = {
  publicKey: KeyObject;
  organizationId: string | null;
  name: string;
  seenWrittenMs: number;
  loadedMs: number;
};

/**
 * The registered workers this hub has met, kept in memory: a worker's key never changes, so checking a
 * signed request costs no statement, and a native Ed25519 verification (node:crypto) rather than a
 * JavaScript one. A worker may register again with another name or account (on another hub too), so an
 * entry is read again after `entryTtlMs`. When a worker was last seen is written at most once per
 * `seenWriteMs`: it only says whether a worker counts as connected, which is measured in tens of seconds.
 */
export class WorkerDirectory {
  readonly #db: Queryable;
  readonly #entriesMax: number;
  readonly #seenWriteMs: number;
  readonly #entryTtlMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(
    options: { entriesMax: number; seenWriteMs: number; entryTtlMs: number },
    deps: { db: Queryable },
  ) {
    assert(
      options.entriesMax > 0 && options.seenWriteMs >= 0,
      'the directory holds workers and writes when they were seen',
    );
    this.#db = deps.db;
    this.#entriesMax = options.entriesMax;
    this.#seenWriteMs = options.seenWriteMs;
    this.#entryTtlMs = options.entryTtlMs;
  }

  /** A registered worker's key and account, or undefined when there is no such worker. `workerId` is a UUID. */
  async get(workerId: string, nowMs: number): Promise<Omit<Entry, 'seenWrittenMs' | 'loadedMs'> | undefined> {
    const cached = this.#entries.get(workerId);
    if (cached !== undefined && nowMs - cached.loadedMs < this.#entryTtlMs) return cached;
    const found = await this.#db.query<{
      public_key: Uint8Array;
      organization_id: string | null;
      name: string;
    }>('SELECT public_key, organization_id, name FROM worker WHERE worker_id = $1', [workerId]);
    const row = found.rows[0];
    if (row === undefined) return undefined;
    const entry: Entry = {
      publicKey: ed25519PublicKey(row.public_key),
      organizationId: row.organization_id,
      name: row.name,
      seenWrittenMs: cached?.seenWrittenMs ?? 0,
      loadedMs: nowMs,
    };
    this.#entries.delete(workerId);
    if (this.#entries.size >= this.#entriesMax) this.#entries.delete(this.#entries.keys().next().value ?? '');
    this.#entries.set(workerId, entry);
    return entry;
  }

  /** Whether `signature` is the worker's signature of `message`. */
  verifies(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
    return verifiesEd25519(publicKey, message, signature);
  }

  /** Notes that the worker was seen now, writing it when the last write is older than `seenWriteMs`. */
  async seen(workerId: string, nowMs: number): Promise<void> {
    const entry = this.#entries.get(workerId);
    if (entry !== undefined && nowMs - entry.seenWrittenMs < this.#seenWriteMs) return;
    await this.#db.query('UPDATE worker SET last_seen_at = $2 WHERE worker_id = $1', [
      workerId,
      new Date(nowMs),
    ]);
    if (entry !== undefined) entry.seenWrittenMs = nowMs;
  }

  /** Forgets a worker (it registered again: its name or account may have changed). */
  forget(workerId: string): void {
    this.#entries.delete(workerId);
  }
}
