import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubApiError, type ReplicaLease, type WorkerClient } from '@proofgrid/client';

/** Archives kept in memory: a worker runs few programs, each for many tasks. */
const ARCHIVES_IN_MEMORY_MAX = 16;

/**
 * Leased tasks' program archives: from memory, else the data directory's cache (checked against the hash
 * the lease names), else fetched from the hub and checked the same way, so a hub or proxy cannot slip in
 * another program. The disk is read once per program, not once per task.
 */
export class ProgramArchives {
  readonly #client: WorkerClient;
  readonly #cacheDir: string;
  readonly #memory = new Map<string, Promise<Uint8Array>>();

  constructor({ client, dataDir }: { client: WorkerClient; dataDir: string }) {
    this.#client = client;
    this.#cacheDir = join(dataDir, 'programs');
  }

  get(lease: ReplicaLease): Promise<Uint8Array> {
    let archive = this.#memory.get(lease.program_sha256);
    if (archive === undefined) {
      archive = this.#load(lease);
      // A failed load is not kept: the next lease tries again.
      archive.catch(() => this.#memory.delete(lease.program_sha256));
      if (this.#memory.size >= ARCHIVES_IN_MEMORY_MAX)
        this.#memory.delete(this.#memory.keys().next().value ?? '');
      this.#memory.set(lease.program_sha256, archive);
    }
    return archive;
  }

  async #load(lease: ReplicaLease): Promise<Uint8Array> {
    const path = join(this.#cacheDir, lease.program_sha256);
    const cached = await readFile(path).catch(() => undefined);
    if (cached !== undefined && sha256(cached) === lease.program_sha256) return cached;
    const fetched = await this.#client.program(lease.program_id);
    if (sha256(fetched) !== lease.program_sha256) {
      throw new HubApiError({
        code: 'BAD_RESPONSE',
        status: 200,
        message: `program ${lease.program_id} does not match its hash`,
      });
    }
    await mkdir(this.#cacheDir, { recursive: true });
    await writeFile(`${path}.tmp`, fetched);
    await rename(`${path}.tmp`, path);
    return fetched;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
