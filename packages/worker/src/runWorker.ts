import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubApiError, type ReplicaLease, type WorkerClient, type WorkerOffer } from '@proofgrid/client';
import {
  decodeBase64,
  isProofGridError,
  LOG_SIZE_BYTES_MAX,
  MANIFEST_PATH,
  parseManifest,
  readTar,
} from '@proofgrid/core';
import { instrumentModule, WasmSandbox } from '@proofgrid/runtime';

export type RunWorkerOptions = {
  dataDir: string;
  offer: WorkerOffer;
  /** Wait between polls when the hub has no work, doubling up to `idleWaitMsMax`. */
  idleWaitMsMin: number;
  idleWaitMsMax: number;
  /** Stop after this many tasks (tests, benchmarks); unbounded when undefined. */
  tasksMax?: number | undefined;
};

export type WorkerEvents = {
  onTask?: (event: { lease: ReplicaLease; verdict: string; fuelUsed: number; ms: number }) => void;
  onIdle?: (reason: string) => void;
  onError?: (error: unknown) => void;
};

const COMPILED_CACHE_MAX = 16;

/**
 * The worker's lease loop: ask for work it can finish, fetch the program (cached by hash), run the task
 * in the sandbox with heartbeats, submit the result. A run that fails deterministically (fuel, memory,
 * trap) is a result too: replicas must agree on it. The hub being down is waited out with backoff. When
 * `signal` aborts, the loop returns its lease and stops.
 */
export async function runWorker(
  { client, signal }: { client: WorkerClient; signal: AbortSignal },
  options: RunWorkerOptions,
  events: WorkerEvents = {},
): Promise<{ tasks: number }> {
  const sandbox = new WasmSandbox();
  const compiled = new Map<string, WebAssembly.Module>();
  let tasks = 0;
  let waitMs = options.idleWaitMsMin;
  try {
    while (!signal.aborted && (options.tasksMax === undefined || tasks < options.tasksMax)) {
      let lease: ReplicaLease | null;
      try {
        const answer = await client.lease(options.offer);
        lease = answer.lease;
        if (lease === null) events.onIdle?.(answer.reason ?? 'no work');
      } catch (error) {
        events.onError?.(error);
        lease = null;
      }
      if (lease === null) {
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
        waitMs = Math.min(waitMs * 2, options.idleWaitMsMax);
        continue;
      }
      waitMs = options.idleWaitMsMin;
      const startedMs = performance.now();
      const module = await moduleFor(lease, { client, compiled, dataDir: options.dataDir });
      const result = await runWithHeartbeats({ client, sandbox, lease, module, signal });
      if (result === 'returned') break;
      const { verdict } = await client.submit(lease.replica_id, result);
      tasks += 1;
      events.onTask?.({ lease, verdict, fuelUsed: result.fuel_used, ms: performance.now() - startedMs });
    }
  } finally {
    await sandbox.close();
  }
  return { tasks };
}

async function runWithHeartbeats({
  client,
  sandbox,
  lease,
  module,
  signal,
}: {
  client: WorkerClient;
  sandbox: WasmSandbox;
  lease: ReplicaLease;
  module: WebAssembly.Module;
  signal: AbortSignal;
}): Promise<{ output: Uint8Array; fuel_used: number; exit_code: number; log: string } | 'returned'> {
  const leaseMs = Date.parse(lease.lease_expires_at) - Date.now();
  // A missed heartbeat is not fatal: the next one, or the submission, tells whether the lease survived.
  const heartbeat = setInterval(
    () => void client.heartbeat(lease.replica_id).catch(() => undefined),
    Math.max(1000, leaseMs / 3),
  );
  const onAbort = () => void sandbox.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const input = lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0));
    const run = await sandbox.run({
      module,
      input,
      seed: lease.seed,
      fuelMax: lease.limits.fuel,
      memoryPagesMax: lease.limits.memory_pages,
      outputBytesMax: lease.limits.output_bytes,
      logBytesMax: LOG_SIZE_BYTES_MAX,
      wallTimeMsMax: Math.max(1000, leaseMs),
    });
    return { output: run.output, fuel_used: run.fuelUsed, exit_code: run.exitCode, log: run.log };
  } catch (error) {
    if (signal.aborted) {
      // Best effort on the way out: an unreturned lease simply expires and its task is leased again.
      await client.giveBack(lease.replica_id).catch(() => undefined);
      return 'returned';
    }
    if (!isProofGridError(error) || error.code === 'WALL_TIME_EXCEEDED') throw error;
    // A deterministic failure is the task's result: every honest replica reaches the same one.
    return {
      output: new TextEncoder().encode(error.code),
      fuel_used: 0,
      exit_code: 255,
      log: error.shortMessage,
    };
  } finally {
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
  }
}

async function moduleFor(
  lease: ReplicaLease,
  {
    client,
    compiled,
    dataDir,
  }: { client: WorkerClient; compiled: Map<string, WebAssembly.Module>; dataDir: string },
): Promise<WebAssembly.Module> {
  const cached = compiled.get(lease.program_sha256);
  if (cached !== undefined) return cached;
  const cacheDir = join(dataDir, 'programs');
  const path = join(cacheDir, lease.program_sha256);
  let archive = await readFile(path).catch(() => undefined);
  if (archive === undefined || createHash('sha256').update(archive).digest('hex') !== lease.program_sha256) {
    const fetched = await client.program(lease.program_id);
    if (createHash('sha256').update(fetched).digest('hex') !== lease.program_sha256) {
      throw new HubApiError({
        code: 'BAD_RESPONSE',
        status: 200,
        message: `program ${lease.program_id} does not match its hash`,
      });
    }
    await mkdir(cacheDir, { recursive: true });
    await writeFile(`${path}.tmp`, fetched);
    await rename(`${path}.tmp`, path);
    archive = Buffer.from(fetched);
  }
  const entries = readTar(archive);
  const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH);
  if (manifestEntry === undefined) throw new Error(`program ${lease.program_id} has no ${MANIFEST_PATH}`);
  const manifest = parseManifest(manifestEntry.data);
  const moduleEntry = entries.find((entry) => entry.path === manifest.entry);
  if (moduleEntry === undefined)
    throw new Error(`program ${lease.program_id} lacks its entry ${manifest.entry}`);
  const module = new WebAssembly.Module(
    instrumentModule(moduleEntry.data, { memoryPagesMax: manifest.limits.memory_pages }),
  );
  if (compiled.size >= COMPILED_CACHE_MAX) compiled.delete(compiled.keys().next().value ?? '');
  compiled.set(lease.program_sha256, module);
  return module;
}
