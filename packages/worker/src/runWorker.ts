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
import type { Governor } from './governor/Governor.ts';

export type RunWorkerOptions = {
  dataDir: string;
  /** What one sandbox can take on: memory per task, its speed (already scaled by the governor's duty) and time. */
  offer: WorkerOffer;
  /** Wait between polls when the hub has no work, doubling up to `idleWaitMsMax`. */
  idleWaitMsMin: number;
  idleWaitMsMax: number;
  /** Stop after this many tasks (tests, benchmarks); unbounded when undefined. */
  tasksMax?: number | undefined;
};

export type WorkerEvents = {
  /** A lease was taken; `onLeaseEnd` follows once it is submitted, lost or given back. */
  onLease?: (lease: ReplicaLease) => void;
  onLeaseEnd?: (lease: ReplicaLease) => void;
  /** A result was submitted: `ms` from lease to verdict, `runMs` in the sandbox, `engineMs` running the guest. */
  onTask?: (event: {
    lease: ReplicaLease;
    verdict: string;
    fuelUsed: number;
    ms: number;
    runMs: number;
    engineMs: number;
  }) => void;
  onIdle?: (reason: string) => void;
  /** Something failed and was waited out; `during` says what the worker was doing. */
  onError?: (error: unknown, during: string) => void;
};

const MODULE_CACHE_MAX = 16;

/**
 * The worker's lease loops, one per sandbox the governor allows: ask for work it can finish, fetch the
 * program (cached by hash), run the task in the sandbox with heartbeats, submit the result. A run that
 * fails deterministically (fuel, memory, trap) is a result too: replicas must agree on it. The hub being
 * down is waited out with backoff; while the governor pauses the worker, no new work is asked for. When
 * `signal` aborts, each loop returns its lease and stops.
 */
export async function runWorker(
  { client, governor, signal }: { client: WorkerClient; governor: Governor; signal: AbortSignal },
  options: RunWorkerOptions,
  events: WorkerEvents = {},
): Promise<{ tasks: number }> {
  const modules = new Map<string, Uint8Array>();
  let tasks = 0;
  let claimed = 0;
  const claim = () => {
    if (options.tasksMax !== undefined && claimed >= options.tasksMax) return false;
    claimed += 1;
    return true;
  };
  governor.start();
  const loop = async () => {
    const sandbox = new WasmSandbox();
    governor.add(sandbox);
    let waitMs = options.idleWaitMsMin;
    try {
      while (!signal.aborted) {
        await governor.whenRunnable(signal);
        if (signal.aborted || !claim()) break;
        let lease: ReplicaLease | null;
        try {
          const answer = await client.lease(options.offer);
          lease = answer.lease;
          if (lease === null) events.onIdle?.(answer.reason ?? 'no work');
        } catch (error) {
          events.onError?.(error, 'asking the hub for work');
          lease = null;
        }
        if (lease === null) {
          claimed -= 1;
          await sleep(waitMs, undefined, { signal }).catch(() => undefined);
          waitMs = Math.min(waitMs * 2, options.idleWaitMsMax);
          continue;
        }
        waitMs = options.idleWaitMsMin;
        events.onLease?.(lease);
        const startedMs = performance.now();
        try {
          const module = await moduleFor(lease, { client, modules, dataDir: options.dataDir });
          const result = await runWithHeartbeats({
            client,
            governor,
            sandbox,
            lease,
            module,
            signal,
            fuelPerSecond: options.offer.fuel_per_second,
          });
          if (result === 'returned') break;
          const { timing, ...submitted } = result;
          const { verdict } = await submitWithRetry(client, lease, submitted, signal);
          tasks += 1;
          events.onTask?.({
            lease,
            verdict,
            fuelUsed: result.fuel_used,
            ms: performance.now() - startedMs,
            ...timing,
          });
        } catch (error) {
          // The task is lost to this worker (hub unreachable past the lease, lease taken back, program
          // unreadable), not the worker: report it, give the lease back if it can be, and go on.
          events.onError?.(error, `running task ${lease.input_group_id}`);
          await client.giveBack(lease.replica_id).catch(() => undefined);
          await sleep(waitMs, undefined, { signal }).catch(() => undefined);
          waitMs = Math.min(waitMs * 2, options.idleWaitMsMax);
        } finally {
          events.onLeaseEnd?.(lease);
        }
      }
    } finally {
      governor.remove(sandbox);
      await sandbox.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: governor.slots() }, loop));
  } finally {
    governor.stop();
  }
  return { tasks };
}

/**
 * Submits a result, retrying while the hub is unreachable or failing (5xx) until the lease has expired:
 * after that another worker has the task. A refusal (4xx) is final.
 */
async function submitWithRetry(
  client: WorkerClient,
  lease: ReplicaLease,
  result: SubmittedResult,
  signal: AbortSignal,
): Promise<{ verdict: string }> {
  let waitMs = 250;
  for (;;) {
    try {
      return await client.submit(lease.replica_id, result);
    } catch (error) {
      const final = error instanceof HubApiError && error.status >= 400 && error.status < 500;
      if (final || signal.aborted || Date.now() + waitMs > Date.parse(lease.lease_expires_at)) throw error;
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, 5000);
    }
  }
}

type SubmittedResult = { output: Uint8Array; fuel_used: number; exit_code: number; log: string };

async function runWithHeartbeats({
  client,
  governor,
  sandbox,
  lease,
  module,
  signal,
  fuelPerSecond,
}: {
  client: WorkerClient;
  governor: Governor;
  sandbox: WasmSandbox;
  lease: ReplicaLease;
  module: Uint8Array;
  signal: AbortSignal;
  fuelPerSecond: number;
}): Promise<(SubmittedResult & { timing: { runMs: number; engineMs: number } }) | 'returned'> {
  const leaseMs = Date.parse(lease.lease_expires_at) - Date.now();
  // A missed heartbeat is not fatal: the next one, or the submission, tells whether the lease survived.
  // A paused worker stops renewing, so a long pause lets the lease expire and the task go elsewhere.
  const heartbeat = setInterval(
    () => {
      if (!governor.state().paused) void client.heartbeat(lease.replica_id).catch(() => undefined);
    },
    Math.max(1000, leaseMs / 3),
  );
  const onAbort = () => void sandbox.close();
  let runStartedMs = performance.now();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const input = lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0));
    runStartedMs = performance.now();
    const run = await sandbox.run({
      module,
      input,
      seed: lease.seed,
      fuelMax: lease.limits.fuel,
      memoryPagesMax: lease.limits.memory_pages,
      outputBytesMax: lease.limits.output_bytes,
      logBytesMax: LOG_SIZE_BYTES_MAX,
      // Heartbeats keep the lease; the guard is for a hung run: twice the time the task's fuel takes at
      // the speed this worker offered (the hub hands out only tasks that fit in that).
      wallTimeMsMax: Math.max(1000, leaseMs, (2000 * lease.limits.fuel) / fuelPerSecond),
    });
    return {
      output: run.output,
      fuel_used: run.fuelUsed,
      exit_code: run.exitCode,
      log: run.log,
      timing: { runMs: performance.now() - runStartedMs, engineMs: run.engineMs },
    };
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
      timing: { runMs: performance.now() - runStartedMs, engineMs: 0 },
    };
  } finally {
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The program's instrumented module, from memory, the data directory's cache, or the hub (checked against its hash). */
async function moduleFor(
  lease: ReplicaLease,
  { client, modules, dataDir }: { client: WorkerClient; modules: Map<string, Uint8Array>; dataDir: string },
): Promise<Uint8Array> {
  const cached = modules.get(lease.program_sha256);
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
  const module = instrumentModule(moduleEntry.data, { memoryPagesMax: manifest.limits.memory_pages });
  if (modules.size >= MODULE_CACHE_MAX) modules.delete(modules.keys().next().value ?? '');
  modules.set(lease.program_sha256, module);
  return module;
}
