import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplicaLease, RunSubmission, WorkerClient, WorkerOffer } from '@proofgrid/client';
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
import { LeaseKeeper, retryUntil } from './LeaseKeeper.ts';
import type { NoirTasks } from './NoirTasks.ts';
import { ProgramArchives } from './programArchive.ts';
import { requestsOf } from './submissionRequests.ts';

export type RunWorkerOptions = {
  dataDir: string;
  /** What one sandbox can take on: memory per task, its speed (already scaled by the governor's duty) and time. */
  offer: WorkerOffer;
  /**
   * Leases asked for at once by each loop, at most: a loop starts with one and doubles while its tasks are
   * quick (tiny tasks go faster in batches, their results sent together), halving when they are slow.
   */
  leasesPerRequest: number;
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
  /** Something failed and was waited out, or a task was dropped; `during` says what the worker was doing. */
  onError?: (error: unknown, during: string) => void;
};

const MODULE_CACHE_MAX = 16;
/** Tasks quicker than this grow the batch of leases asked for at once; slower than SLOW_TASK_MS shrink it. */
const QUICK_TASK_MS = 200;
const SLOW_TASK_MS = 2_000;
/** Outputs up to this size go in a batch of submissions; larger ones alone. */
const BATCHED_OUTPUT_BYTES_MAX = 128 * 1024;

/** The outcome of one task, for the worker's report. */
type TaskDone = { verdict: string; fuelUsed: number; runMs: number; engineMs: number };
/** A task that ended without a result: the worker stopped (its lease was given back) or the hub ended the lease. */
type TaskDropped = { dropped: 'returned' } | { dropped: 'lost'; reason: string };

/**
 * The worker's lease loops, one per sandbox the governor allows: ask for work it can finish, fetch the
 * program (cached by hash), run the task in the sandbox with heartbeats, submit the result. A run that
 * fails deterministically (fuel, memory, trap) is a result too: replicas must agree on it. A run that
 * could not finish here (the sandbox died, the wall-clock guard) is not: its lease is given back. A lease
 * the hub ends (a refused heartbeat) stops its task. The hub being down is waited out with backoff; while
 * the governor pauses the worker, no new work is asked for. When `signal` aborts, each loop returns its
 * leases and stops.
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
  const claim = (wanted: number) => {
    const granted = options.tasksMax === undefined ? wanted : Math.min(wanted, options.tasksMax - claimed);
    claimed += Math.max(0, granted);
    return Math.max(0, granted);
  };
  governor.start();
  const runsWasm = options.offer.runtimes?.includes('wasm') ?? true;
  const loop = async () => {
    const sandbox = new WasmSandbox();
    governor.add(sandbox);
    let waitMs = options.idleWaitMsMin;
    let batch = 1;
    const backOff = async () => {
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, options.idleWaitMsMax);
    };
    try {
      while (!signal.aborted) {
        await governor.whenRunnable(signal);
        // The sandbox starts while the first request for work is on its way.
        if (runsWasm) sandbox.warmUp();
        const wanted = signal.aborted ? 0 : claim(batch);
        if (wanted === 0) break;
        const leases = await askForWork(client, { ...options.offer, replicas_max: wanted }, events);
        claimed -= wanted - leases.length;
        if (leases.length === 0) {
          await backOff();
          continue;
        }
        waitMs = options.idleWaitMsMin;
        const batchStartedMs = performance.now();
        // Every lease of the batch is kept alive from now: the last waits for the others.
        const keepers = leases.map((lease) => new LeaseKeeper({ client, governor, lease }));
        const runs: PendingRun[] = [];
        try {
          for (const [index, lease] of leases.entries()) {
            const keeper = keepers[index];
            assert(keeper !== undefined, 'one keeper per lease');
            if (signal.aborted) {
              await client.giveBack(lease.replica_id).catch(() => undefined);
              continue;
            }
            const context = {
              client,
              governor,
              sandbox,
              archives,
              modules,
              signal,
              options,
              events,
              lease,
              keeper,
            };
            const done = await runLease(context, { batched: leases.length > 1 });
            if (done === 'submitted') tasks += 1;
            else if (done !== 'dropped') runs.push(done);
          }
          tasks += await submitRuns({ client, signal, events }, runs);
        } finally {
          for (const keeper of keepers) keeper.stop();
        }
        const msPerTask = (performance.now() - batchStartedMs) / leases.length;
        if (msPerTask < QUICK_TASK_MS) batch = Math.min(options.leasesPerRequest, batch * 2);
        else if (msPerTask > SLOW_TASK_MS) batch = Math.max(1, Math.floor(batch / 2));
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

async function askForWork(
  client: WorkerClient,
  offer: WorkerOffer,
  events: WorkerEvents,
): Promise<ReplicaLease[]> {
  try {
    const answer = await client.lease(offer);
    if (answer.leases.length === 0) events.onIdle?.(answer.reason ?? 'no work');
    return answer.leases;
  } catch (error) {
    events.onError?.(error, 'asking the hub for work');
    return [];
  }
}

type LeaseContext = {
  client: WorkerClient;
  governor: Governor;
  sandbox: WasmSandbox;
  archives: ProgramArchives;
  modules: Map<string, Uint8Array>;
  signal: AbortSignal;
  options: RunWorkerOptions;
  events: WorkerEvents;
  lease: ReplicaLease;
  keeper: LeaseKeeper;
};

/** A run done but not yet submitted: batched runs go to the hub together. */
type PendingRun = {
  lease: ReplicaLease;
  keeper: LeaseKeeper;
  run: RunSubmission;
  startedMs: number;
  runMs: number;
  engineMs: number;
};

/**
 * Runs one leased task. A WebAssembly run of a batch with a small output is returned to be submitted with
 * the others; anything else is submitted here. `dropped`: no result (given back, or the lease was lost).
 */
async function runLease(
  context: LeaseContext,
  { batched }: { batched: boolean },
): Promise<'submitted' | 'dropped' | PendingRun> {
  const { client, lease, keeper, events, signal } = context;
  events.onLease?.(lease);
  const startedMs = performance.now();
  let pending = false;
  try {
    const archive = await context.archives.get(lease);
    if (lease.runtime === 'noir') {
      const proved = await proveTask(context, archive);
      if ('dropped' in proved) return dropped(context, proved);
      events.onTask?.({ lease, ...proved, ms: performance.now() - startedMs });
      return 'submitted';
    }
    const ran = await runTask(context, archive);
    if ('dropped' in ran) return dropped(context, ran);
    if (batched && ran.run.output.length <= BATCHED_OUTPUT_BYTES_MAX) {
      pending = true;
      return { lease, keeper, startedMs, ...ran };
    }
    const { verdict } = await keeper.submit(signal, () => client.submit(lease.replica_id, ran.run));
    events.onTask?.({
      lease,
      verdict,
      fuelUsed: ran.run.fuelUsed,
      runMs: ran.runMs,
      engineMs: ran.engineMs,
      ms: performance.now() - startedMs,
    });
    return 'submitted';
  } catch (error) {
    // The task is lost to this worker (hub unreachable past the lease, the run could not finish here, the
    // program unreadable), not the worker: report it, give the lease back if it can be, and go on.
    events.onError?.(error, `running task ${lease.input_group_id}`);
    await client.giveBack(lease.replica_id).catch(() => undefined);
    return 'dropped';
  } finally {
    if (!pending) {
      keeper.stop();
      events.onLeaseEnd?.(lease);
    }
  }
}

function dropped({ lease, events }: LeaseContext, outcome: TaskDropped): 'dropped' {
  if (outcome.dropped === 'lost')
    events.onError?.(
      new Error(`the hub ended the lease: ${outcome.reason}`),
      `running task ${lease.input_group_id}`,
    );
  return 'dropped';
}

/**
 * Submits runs in as few requests as the batch route takes (by count and bytes), each retried while the
 * hub is unreachable, failing or busy, until the earliest renewed deadline of its runs. Each run gets its
 * own verdict or error; the lease of a run the hub did not take is given back, so its task need not wait
 * for the lease to lapse. Returns how many took.
 */
async function submitRuns(
  { client, signal, events }: { client: WorkerClient; signal: AbortSignal; events: WorkerEvents },
  runs: PendingRun[],
): Promise<number> {
  let took = 0;
  for (const chunk of requestsOf(runs)) {
    let answer: Awaited<ReturnType<WorkerClient['submitMany']>> | undefined;
    try {
      answer = await retryUntil(
        () => Math.min(...chunk.map((pending) => pending.keeper.deadlineMs)),
        signal,
        () => client.submitMany(chunk.map(({ lease, run }) => ({ replicaId: lease.replica_id, run }))),
      );
    } catch (error) {
      for (const { lease } of chunk) events.onError?.(error, `submitting task ${lease.input_group_id}`);
    }
    for (const [index, pending] of chunk.entries()) {
      const result = answer?.results[index];
      pending.keeper.stop();
      if (result?.verdict) {
        took += 1;
        events.onTask?.({
          lease: pending.lease,
          verdict: result.verdict,
          fuelUsed: pending.run.fuelUsed,
          runMs: pending.runMs,
          engineMs: pending.engineMs,
          ms: performance.now() - pending.startedMs,
        });
      } else {
        if (result?.error)
          events.onError?.(
            new Error(`${result.error.message} [${result.error.code}]`),
            `submitting task ${pending.lease.input_group_id}`,
          );
        await client.giveBack(pending.lease.replica_id).catch(() => undefined);
      }
      events.onLeaseEnd?.(pending.lease);
    }
  }
  return took;
}

/** A WebAssembly task: run the module in the sandbox; its output, fuel, exit code and log, or its failure. */
async function runTask(
  { client, sandbox, modules, signal, options, lease, keeper }: LeaseContext,
  archive: Uint8Array,
): Promise<{ run: RunSubmission; runMs: number; engineMs: number } | TaskDropped> {
  const module = instrumentedModule(lease, archive, modules);
  const leaseMs = Date.parse(lease.lease_expires_at) - Date.now();
  const stopRun = () => void sandbox.close();
  signal.addEventListener('abort', stopRun, { once: true });
  keeper.lost.addEventListener('abort', stopRun, { once: true });
  const runStartedMs = performance.now();
  let run: Awaited<ReturnType<WasmSandbox['run']>>;
  try {
    run = await sandbox.run({
      module,
      input: lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0)),
      seed: lease.seed,
      fuelMax: lease.limits.fuel,
      memoryPagesMax: lease.limits.memory_pages,
      outputBytesMax: lease.limits.output_bytes,
      logBytesMax: LOG_SIZE_BYTES_MAX,
      // Heartbeats keep the lease; the guard is for a hung run: twice the time the task's fuel takes at
      // the speed this worker offered (the hub hands out only tasks that fit in that).
      wallTimeMsMax: Math.max(1000, leaseMs, (2000 * lease.limits.fuel) / options.offer.fuel_per_second),
    });
  } catch (error) {
    if (signal.aborted) {
      // Best effort on the way out: an unreturned lease simply expires and its task is leased again.
      await client.giveBack(lease.replica_id).catch(() => undefined);
      return { dropped: 'returned' };
    }
    if (keeper.lost.aborted) return { dropped: 'lost', reason: keeper.lostReason ?? 'refused' };
    // Thrown, not returned: the run could not finish on this machine (the sandbox died, the wall-clock
    // guard), which says nothing about the task. runLease gives the lease back.
    throw error;
  } finally {
    signal.removeEventListener('abort', stopRun);
    keeper.lost.removeEventListener('abort', stopRun);
  }
  return {
    run: {
      output: run.output,
      fuelUsed: run.fuelUsed,
      exitCode: run.exitCode,
      log: printable(run.log),
      failure: run.failure,
    },
    runMs: performance.now() - runStartedMs,
    engineMs: run.engineMs,
  };
}

/** A Noir task: execute and prove (or execute and hand off, or prove a handoff), submit what the step makes. */
async function proveTask(
  { client, signal, options, lease, keeper }: LeaseContext,
  archive: Uint8Array,
): Promise<TaskDone | TaskDropped> {
  const noir = options.noir;
  assert(noir !== undefined, 'a worker is leased Noir tasks only when it offers the runtime');
  const startedMs = performance.now();
  const handoff = lease.handoff === null ? undefined : decodeBase64(lease.handoff);
  const report = async (send: () => Promise<{ verdict: string }>): Promise<TaskDone> => {
    const { verdict } = await keeper.submit(signal, send);
    return { verdict, fuelUsed: 0, runMs: performance.now() - startedMs, engineMs: 0 };
  };
  let made:
    | { kind: 'witness'; witness: Uint8Array }
    | { kind: 'proof'; proof: Awaited<ReturnType<NoirTasks['prove']>> };
  try {
    made =
      lease.step === 'execute'
        ? { kind: 'witness', witness: await noir.execute(lease, archive) }
        : { kind: 'proof', proof: await noir.prove(lease, archive, handoff) };
  } catch (error) {
    if (handoff !== undefined && !isProofGridError(error))
      // bb could not prove another worker's witness: the hub executes the task and blames the wrong side.
      return report(() => client.reportBadWitness(lease.replica_id));
    if (!isProofGridError(error, 'NOIR_EXECUTION_FAILED')) throw error;
    // Nothing to prove: the hub runs the program itself and fails the task when it fails there too.
    return report(() => client.reportExecutionFailure(lease.replica_id));
  }
  if (signal.aborted) {
    await client.giveBack(lease.replica_id).catch(() => undefined);
    return { dropped: 'returned' };
  }
  if (keeper.lost.aborted) return { dropped: 'lost', reason: keeper.lostReason ?? 'refused' };
  const runMs = performance.now() - startedMs;
  if (made.kind === 'witness') {
    const { witness } = made;
    const { verdict } = await keeper.submit(signal, () => client.submitWitness(lease.replica_id, witness));
    return { verdict, fuelUsed: 0, runMs, engineMs: runMs };
  }
  const { proof } = made;
  if (handoff !== undefined && !(await noir.provesTask(lease, archive, proof)))
    // Another worker's witness, for other inputs: submitting its proof would be rejected as ours.
    return report(() => client.reportBadWitness(lease.replica_id));
  const { verdict } = await keeper.submit(signal, () =>
    client.submitProof(lease.replica_id, { proof: proof.proof, publicInputs: proof.publicInputs }),
  );
  return { verdict, fuelUsed: 0, runMs, engineMs: proof.executeMs + proof.proveMs };
}

/** A program's log as text the hub can store: NUL characters (which no database text holds) replaced. */
function printable(log: string): string {
  return log.replaceAll('\u0000', '\uFFFD');
}

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
