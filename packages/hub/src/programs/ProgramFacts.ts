import { assert, type Manifest, type VerificationPolicy } from '@proofgrid/core';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';

type ProgramRow = {
  program_id: string;
  organization_id: string;
  runtime: string;
  manifest: Manifest | null;
  artifact: unknown;
  input_lock_timeout: number;
  blob_hash: string;
};

/** The columns `factOf` reads; for queries that load programs in bulk. */
export const PROGRAM_FACT_COLUMNS =
  'program_id, organization_id, runtime, manifest, artifact, input_lock_timeout, blob_hash';

/** A program's facts from its row: the manifest's policy and limits (none for seed 004's programs). */
export function factOf(row: ProgramRow): ProgramFact {
  const policy: VerificationPolicy = row.manifest?.verification ?? { policy: 'owner' };
  return {
    programId: row.program_id,
    organizationId: row.organization_id,
    runtime: row.runtime,
    policy,
    limits: {
      fuel: row.manifest?.limits.fuel ?? 0,
      memoryPages: row.manifest?.limits.memory_pages ?? 0,
      outputBytes: row.manifest?.limits.output_bytes ?? 0,
    },
    leaseSeconds: row.input_lock_timeout,
    blobHash: row.blob_hash,
    artifact: row.artifact,
  };
}

/**
 * Remembers the immutable facts of recently used programs, least recently used out first, so that the
 * hot paths (leases, submissions, reservations) cost no statement to learn them. A cached program may since
 * have been deleted (here or by another hub): that is safe, because every statement that uses a fact still
 * matches rows of that program in the database, and finds none once it is gone.
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
    const found = await this.#db.query<ProgramRow>(
      `SELECT ${PROGRAM_FACT_COLUMNS} FROM program WHERE program_id = $1`,
      [programId],
    );
    const row = found.rows[0];
    if (row === undefined) return undefined;
    const fact = factOf(row);
    this.#entries.set(programId, fact);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#entriesMax) break;
      this.#entries.delete(oldest);
    }
    return fact;
  }

  /** Drops a program from the cache (it was deleted here). */
  forget(programId: string): void {
    this.#entries.delete(programId);
  }

  /** Whether the program still exists, asked of the database (not the cache). */
  async exists(programId: string): Promise<boolean> {
    const found = await this.#db.query('SELECT 1 FROM program WHERE program_id = $1', [programId]);
    return found.rowCount > 0;
  }
}
