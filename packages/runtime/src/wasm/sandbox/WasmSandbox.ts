import { Worker } from 'node:worker_threads';
import { assert, type ErrorCode, ProofGridError } from '@proofgrid/core';
import { WallTimeExceededError, WasmTrapError } from '../errors.ts';
import type { ExecuteWasmParameters, ExecuteWasmResult } from '../executeWasm.ts';

export type SandboxTask = ExecuteWasmParameters & {
  /** Wall-clock time after which the run is killed. A guard for hung machines; fuel is the real limit. */
  wallTimeMsMax: number;
};

type Reply =
  | { ready: true }
  | { id: number; ok: true; result: ExecuteWasmResult }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/** Host memory a sandbox worker may use besides the guest's own linear memory. */
const WORKER_HEAP_MB_MAX = 512;
/** The worker thread's real stack: far above the deterministic budget (STACK_BUDGET_BYTES), so the budget, not the engine, stops deep recursion. */
const WORKER_STACK_MB = 8;
/** Time a fresh worker may take to load (TypeScript compilation included) before the sandbox gives up. */
const WORKER_START_MS_MAX = 60_000;

type Running = { worker: Worker; ready: Promise<void> };

/**
 * Runs WASI tasks in a worker thread, one at a time, so a runaway run can be killed without taking the
 * caller down: past `wallTimeMsMax` the worker is terminated and the next run starts a fresh one. A worker
 * that dies (out of host memory, crashed) fails its run with a ProofGrid error, never a hang.
 */
export class WasmSandbox {
  #running: Running | undefined;
  #nextId = 0;
  #busy = false;

  async run(task: SandboxTask): Promise<ExecuteWasmResult> {
    assert(!this.#busy, 'a sandbox runs one task at a time');
    this.#busy = true;
    try {
      const running = this.#ensureWorker();
      await running.ready;
      return await this.#runOn(running.worker, task);
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the worker thread, if one is running. */
  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    await running?.worker.terminate();
  }

  #runOn(worker: Worker, { wallTimeMsMax, ...task }: SandboxTask): Promise<ExecuteWasmResult> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup();
        this.#forget(worker);
        reject(error);
      };
      const timer = setTimeout(() => {
        fail(new WallTimeExceededError({ wallTimeMsMax }));
        void worker.terminate();
      }, wallTimeMsMax);
      const onMessage = (reply: Reply) => {
        if ('ready' in reply || reply.id !== id) return;
        cleanup();
        if (reply.ok) resolve(reply.result);
        else reject(new ProofGridError(reply.error.code, { shortMessage: reply.error.message }));
      };
      const onError = (error: Error & { code?: string }) => fail(workerFailure(error));
      const onExit = (code: number) =>
        fail(new WasmTrapError({ message: `the sandbox worker stopped (exit code ${code})` }));
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, task });
    });
  }

  #ensureWorker(): Running {
    if (this.#running !== undefined) return this.#running;
    // ProofGrid runs its TypeScript through tsx; a worker thread must register it itself (Node 20).
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./sandboxWorker.ts', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
      {
        eval: true,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB_MAX, stackSizeMb: WORKER_STACK_MB },
      },
    );
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the sandbox worker did not start within ${WORKER_START_MS_MAX} ms`)),
        WORKER_START_MS_MAX,
      );
      const settle = (error?: Error) => {
        clearTimeout(timer);
        worker.off('message', onReady);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (error === undefined) resolve();
        else {
          this.#forget(worker);
          reject(error);
        }
      };
      const onReady = (reply: Reply) => {
        if ('ready' in reply) settle();
      };
      const onError = (error: Error & { code?: string }) => settle(workerFailure(error));
      const onExit = (code: number) =>
        settle(
          new WasmTrapError({ message: `the sandbox worker stopped while starting (exit code ${code})` }),
        );
      worker.on('message', onReady);
      worker.on('error', onError);
      worker.once('exit', onExit);
    });
    this.#running = { worker, ready };
    return this.#running;
  }

  #forget(worker: Worker): void {
    if (this.#running?.worker === worker) this.#running = undefined;
  }
}

function workerFailure(error: Error & { code?: string }): Error {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ProofGridError('MEMORY_EXHAUSTED', {
      shortMessage: `The run used more than ${WORKER_HEAP_MB_MAX} MB of host memory.`,
      details: 'Give each task less work, or write less output.',
    });
  }
  return new WasmTrapError({ message: `the sandbox worker failed: ${error.message}` });
}
