import { setTimeout as sleep } from 'node:timers/promises';
import { HubApiError, type ReplicaLease, type WorkerClient, type WorkerOffer } from '@proofgrid/client';
import {
  assert,
  decodeBase64,
  isProofGridError,
  LOG_SIZE_BYTES_MAX,
  MANIFEST_PATH,
  parseManifest,
  readTar,
} from '@proofgrid/core';
import { instrumentModule, WasmSandbox } from '@proofgrid/runtime';
import type { Governor } from './governor/Governor.ts';
import type { NoirTasks } from './NoirTasks.ts';
import { ProgramArchives } from './programArchive.ts';

export type RunWorkerOptions = {
  dataDir: string;
  /** What one sandbox can take on: memory per task, its speed (already scaled by the governor's duty) and time. */
  offer: WorkerOffer;
  /** Wait between polls when the hub has no work, doubling up to `idleWaitMsMax`. */
  idleWaitMsMin: number;
  idleWaitMsMax: number;
  /** Stop after this many tasks (tests, benchmarks); unbounded when undefined. */
  tasksMax?: number | undefined;
  /** Proves Noir tasks; without it the worker offers `wasm` alone. */
  noir?: NoirTasks | undefined;
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
  const archives = new ProgramArchives({ client, dataDir: options.dataDir });
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
    const backOff = async () => {
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, options.idleWaitMsMax);
    };
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
          await backOff();
          continue;
        }
        waitMs = options.idleWaitMsMin;
        events.onLease?.(lease);
        const startedMs = performance.now();
        try {
          const archive = await archives.get(lease);
          const done =
            lease.runtime === 'noir'
              ? await proveTask({ client, governor, lease, archive, signal, noir: options.noir })
              : await runTask({
                  client,
                  governor,
                  sandbox,
                  lease,
                  archive,
                  modules,
                  signal,
                  offer: options.offer,
                });
          if (done === 'returned') break;
          tasks += 1;
          events.onTask?.({ lease, ...done, ms: performance.now() - startedMs });
        } catch (error) {
          // The task is lost to this worker (hub unreachable past the lease, lease taken back, program
          // unreadable), not the worker: report it, give the lease back if it can be, and go on.
          events.onError?.(error, `running task ${lease.input_group_id}`);
          await client.giveBack(lease.replica_id).catch(() => undefined);
          await backOff();
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

/** The outcome of one task, for the worker's report. */
type TaskDone = { verdict: string; fuelUsed: number; runMs: number; engineMs: number };

/** A WebAssembly task: run the module in the sandbox with heartbeats, submit output, fuel and exit code. */
async function runTask({
  client,
  governor,
  sandbox,
  lease,
  archive,
  modules,
  signal,
  offer,
}: {
  client: WorkerClient;
  governor: Governor;
  sandbox: WasmSandbox;
  lease: ReplicaLease;
  archive: Uint8Array;
  modules: Map<string, Uint8Array>;
  signal: AbortSignal;
  offer: WorkerOffer;
}): Promise<TaskDone | 'returned'> {
  const module = instrumentedModule(lease, archive, modules);
  const leaseMs = Date.parse(lease.lease_expires_at) - Date.now();
  const onAbort = () => void sandbox.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const runStartedMs = performance.now();
  let result: SubmittedResult & { engineMs: number };
  try {
    const run = await withHeartbeats({ client, governor, lease }, () =>
      sandbox.run({
        module,
        input: lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0)),
        seed: lease.seed,
        fuelMax: lease.limits.fuel,
        memoryPagesMax: lease.limits.memory_pages,
        outputBytesMax: lease.limits.output_bytes,
        logBytesMax: LOG_SIZE_BYTES_MAX,
        // Heartbeats keep the lease; the guard is for a hung run: twice the time the task's fuel takes at
        // the speed this worker offered (the hub hands out only tasks that fit in that).
        wallTimeMsMax: Math.max(1000, leaseMs, (2000 * lease.limits.fuel) / offer.fuel_per_second),
      }),
    );
    result = {
      output: run.output,
      fuel_used: run.fuelUsed,
      exit_code: run.exitCode,
      log: run.log,
      engineMs: run.engineMs,
    };
  } catch (error) {
    if (signal.aborted) {
      // Best effort on the way out: an unreturned lease simply expires and its task is leased again.
      await client.giveBack(lease.replica_id).catch(() => undefined);
      return 'returned';
    }
    if (!isProofGridError(error) || error.code === 'WALL_TIME_EXCEEDED') throw error;
    // A deterministic failure is the task's result: every honest replica reaches the same one.
    result = {
      output: new TextEncoder().encode(error.code),
      fuel_used: 0,
      exit_code: 255,
      log: error.shortMessage,
      engineMs: 0,
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const runMs = performance.now() - runStartedMs;
  const { engineMs, ...submitted } = result;
  const { verdict } = await submitWithRetry(lease, signal, () => client.submit(lease.replica_id, submitted));
  return { verdict, fuelUsed: submitted.fuel_used, runMs, engineMs };
}

/** A Noir task: execute and prove with heartbeats, submit the proof (the hub verifies it). */
async function proveTask({
  client,
  governor,
  lease,
  archive,
  signal,
  noir,
}: {
  client: WorkerClient;
  governor: Governor;
  lease: ReplicaLease;
  archive: Uint8Array;
  signal: AbortSignal;
  noir: NoirTasks | undefined;
}): Promise<TaskDone | 'returned'> {
  assert(noir !== undefined, 'a worker is leased Noir tasks only when it offers the runtime');
  const startedMs = performance.now();
  const witnessGiven = lease.witness === null ? undefined : decodeBase64(lease.witness);
  let done:
    | { kind: 'witness'; witness: Uint8Array }
    | { kind: 'proof'; proof: Awaited<ReturnType<NoirTasks['prove']>> };
  try {
    done = await withHeartbeats({ client, governor, lease }, async () =>
      lease.noir_step === 'execute'
        ? { kind: 'witness' as const, witness: await noir.execute(lease, archive) }
        : { kind: 'proof' as const, proof: await noir.prove(lease, archive, witnessGiven) },
    );
  } catch (error) {
    if (witnessGiven !== undefined && !isProofGridError(error)) {
      // bb could not prove another worker's witness: the hub executes the task and blames the wrong side.
      const { verdict } = await submitWithRetry(lease, signal, () =>
        client.reportBadWitness(lease.replica_id),
      );
      return { verdict, fuelUsed: 0, runMs: performance.now() - startedMs, engineMs: 0 };
    }
    if (!isProofGridError(error) || error.code !== 'NOIR_EXECUTION_FAILED') throw error;
    // Nothing to prove: the hub runs the program itself and fails the task when it fails there too.
    const { verdict } = await submitWithRetry(lease, signal, () =>
      client.reportExecutionFailure(lease.replica_id),
    );
    return { verdict, fuelUsed: 0, runMs: performance.now() - startedMs, engineMs: 0 };
  }
  if (signal.aborted) {
    await client.giveBack(lease.replica_id).catch(() => undefined);
    return 'returned';
  }
  const runMs = performance.now() - startedMs;
  if (done.kind === 'witness') {
    const witness = done.witness;
    const { verdict } = await submitWithRetry(lease, signal, () =>
      client.submitWitness(lease.replica_id, witness),
    );
    return { verdict, fuelUsed: 0, runMs, engineMs: runMs };
  }
  const { proof } = done;
  if (witnessGiven !== undefined && !(await noir.provesTask(lease, archive, proof))) {
    // Another worker's witness, for other inputs: submitting its proof would be rejected as ours.
    const { verdict } = await submitWithRetry(lease, signal, () => client.reportBadWitness(lease.replica_id));
    return { verdict, fuelUsed: 0, runMs, engineMs: 0 };
  }
  const { verdict } = await submitWithRetry(lease, signal, () =>
    client.submitProof(lease.replica_id, { proof: proof.proof, public_inputs: proof.publicInputs }),
  );
  return { verdict, fuelUsed: 0, runMs, engineMs: proof.executeMs + proof.proveMs };
}

/**
 * Runs `work` while renewing the lease. A missed heartbeat is not fatal: the next one, or the submission,
 * tells whether the lease survived. A paused worker stops renewing, so a long pause lets the lease expire
 * and the task go elsewhere.
 */
async function withHeartbeats<T>(
  { client, governor, lease }: { client: WorkerClient; governor: Governor; lease: ReplicaLease },
  work: () => Promise<T>,
): Promise<T> {
  const leaseMs = Date.parse(lease.lease_expires_at) - Date.now();
  const heartbeat = setInterval(
    () => {
      if (!governor.state().paused) void client.heartbeat(lease.replica_id).catch(() => undefined);
    },
    Math.max(1000, leaseMs / 3),
  );
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Submits a result, retrying while the hub is unreachable or failing (5xx) until the lease has expired:
 * after that another worker has the task. A refusal (4xx) is final.
 */
async function submitWithRetry(
  lease: ReplicaLease,
  signal: AbortSignal,
  send: () => Promise<{ verdict: string }>,
): Promise<{ verdict: string }> {
  let waitMs = 250;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      const final = error instanceof HubApiError && error.status >= 400 && error.status < 500;
      if (final || signal.aborted || Date.now() + waitMs > Date.parse(lease.lease_expires_at)) throw error;
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, 5000);
    }
  }
}

type SubmittedResult = { output: Uint8Array; fuel_used: number; exit_code: number; log: string };

/** The program's instrumented module, compiled once per archive hash. */
function instrumentedModule(
  lease: ReplicaLease,
  archive: Uint8Array,
  modules: Map<string, Uint8Array>,
): Uint8Array {
  const cached = modules.get(lease.program_sha256);
  if (cached !== undefined) return cached;
  const entries = readTar(archive);
  const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH);
  if (manifestEntry === undefined) throw new Error(`program ${lease.program_id} has no ${MANIFEST_PATH}`);
  const manifest = parseManifest(manifestEntry.data);
  if (manifest.runtime !== 'wasm')
    throw new Error(`program ${lease.program_id} is not a WebAssembly program`);
  const moduleEntry = entries.find((entry) => entry.path === manifest.entry);
  if (moduleEntry === undefined)
    throw new Error(`program ${lease.program_id} lacks its entry ${manifest.entry}`);
  const module = instrumentModule(moduleEntry.data, { memoryPagesMax: manifest.limits.memory_pages });
  if (modules.size >= MODULE_CACHE_MAX) modules.delete(modules.keys().next().value ?? '');
  modules.set(lease.program_sha256, module);
  return module;
}
