import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubApiError, type ReplicaLease, type WorkerClient } from '@proofgrid/client';

/**
 * A leased task's program archive: from the data directory's cache, or fetched from the hub and checked
 * against the hash the lease names (a hub or proxy cannot slip in another program).
 */
export async function programArchive(
  lease: ReplicaLease,
  { client, dataDir }: { client: WorkerClient; dataDir: string },
): Promise<Uint8Array> {
  const cacheDir = join(dataDir, 'programs');
  const path = join(cacheDir, lease.program_sha256);
  const cached = await readFile(path).catch(() => undefined);
  if (cached !== undefined && sha256(cached) === lease.program_sha256) return cached;
  const fetched = await client.program(lease.program_id);
  if (sha256(fetched) !== lease.program_sha256) {
    throw new HubApiError({
      code: 'BAD_RESPONSE',
      status: 200,
      message: `program ${lease.program_id} does not match its hash`,
    });
  }
  await mkdir(cacheDir, { recursive: true });
  await writeFile(`${path}.tmp`, fetched);
  await rename(`${path}.tmp`, path);
  return fetched;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
