import { assert } from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';

/** What the hot paths need to know of a program. None of it ever changes after upload. */
export type ProgramFact = {
  organization_id: string;
  input_lock_timeout: number;
  blob_hash: string;
  /** Programs with a manifest run as replicas on registered workers, not through seed 004's reservations. */
  has_manifest: boolean;
  /** `wasm` or `noir` for a program with a manifest; null for an opaque one. */
  runtime: string | null;
};

/**
 * Remembers the immutable facts of recently used programs, least recently used out first, so that
 * reserving and recording a proof cost one statement each. A cached program may since have been deleted
 * (here or by another hub): that is safe, because every statement that uses a fact still matches rows of
 * that program in the database, and finds none once it is gone.
 */
export class ProgramFacts {
  readonly #entriesMax: number;
  readonly #db: Queryable;
  readonly #entries = new Map<string, ProgramFact>();

  constructor(options: { entriesMax: number }, deps: { db: Queryable }) {
    assert(options.entriesMax > 0, 'the cache holds at least one program');
    this.#entriesMax = options.entriesMax;
    this.#db = deps.db;
  }

  /** The program's facts, or `undefined` when no such program exists. `programId` must be a UUID. */
  async get(programId: string): Promise<ProgramFact | undefined> {
    const cached = this.#entries.get(programId);
    if (cached !== undefined) {
      this.#entries.delete(programId);
      this.#entries.set(programId, cached);
      return cached;
    }
    const found = await this.#db.query<ProgramFact>(
      `SELECT organization_id, input_lock_timeout, blob_hash, manifest IS NOT NULL AS has_manifest, manifest->>'runtime' AS runtime
         FROM program WHERE program_id = $1`,
      [programId],
    );
    const fact = found.rows[0];
    if (fact === undefined) return undefined;
    this.#entries.set(programId, fact);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#entriesMax) break;
      this.#entries.delete(oldest);
    }
    return fact;
  }

  /** Whether the program still exists, asked of the database (not the cache). */
  async exists(programId: string): Promise<boolean> {
    const found = await this.#db.query('SELECT 1 FROM program WHERE program_id = $1', [programId]);
    return found.rowCount > 0;
  }
}
