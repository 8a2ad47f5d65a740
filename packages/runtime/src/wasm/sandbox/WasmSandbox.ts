import { Worker } from 'node:worker_threads';
import { assert, type ErrorCode, ProofGridError } from '@proofgrid/core';
import { WallTimeExceededError } from '../errors.ts';
import type { ExecuteWasmParameters, ExecuteWasmResult } from '../executeWasm.ts';

export type SandboxTask = ExecuteWasmParameters & {
  /** Wall-clock time after which the run is killed. A guard for hung machines; fuel is the real limit. */
  wallTimeMsMax: number;
};

type Reply =
  | { id: number; ok: true; result: ExecuteWasmResult }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/**
 * Runs WASI tasks in a worker thread, one at a time, so a runaway run can be killed without taking the
 * caller down: past `wallTimeMsMax` the worker is terminated and the next run starts a fresh one.
 */
export class WasmSandbox {
  #worker: Worker | undefined;
  #nextId = 0;
  #busy = false;

  async run(task: SandboxTask): Promise<ExecuteWasmResult> {
    assert(!this.#busy, 'a sandbox runs one task at a time');
    this.#busy = true;
    try {
      return await this.#runOnWorker(task);
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the worker thread, if one is running. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #runOnWorker({ wallTimeMsMax, ...task }: SandboxTask): Promise<ExecuteWasmResult> {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        void this.close();
        reject(new WallTimeExceededError({ wallTimeMsMax }));
      }, wallTimeMsMax);
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        cleanup();
        if (reply.ok) resolve(reply.result);
        else reject(new ProofGridError(reply.error.code, { shortMessage: reply.error.message }));
      };
      const onError = (error: Error) => {
        cleanup();
        this.#worker = undefined;
        reject(error);
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, task });
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    // ProofGrid runs its TypeScript through tsx; a worker thread must register it itself (Node 20).
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./sandboxWorker.ts', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
      {
        eval: true,
      },
    );
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
