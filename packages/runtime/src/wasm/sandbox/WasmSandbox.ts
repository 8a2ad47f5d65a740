import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { assert, ProofGridError } from '@proofgrid/core';
import { forkSibling } from '../../forkSibling.ts';
import { WallTimeExceededError, WasmTrapError } from '../errors.ts';
import type { ExecuteWasmParameters } from '../executeWasm.ts';
import type { SandboxReply, SandboxRequest, SandboxResult } from './sandboxProcess.ts';

export type SandboxTask = Omit<ExecuteWasmParameters, 'module'> & {
  /** The instrumented module (`instrumentModule`'s output); the sandbox compiles it once per content. */
  module: Uint8Array;
  /** Running time after which the run is killed; time spent suspended does not count. A guard for hung machines; fuel is the real limit. */
  wallTimeMsMax: number;
};

/** Time a fresh sandbox process may take to load. */
const PROCESS_START_MS_MAX = 60_000;

type Running = { child: ChildProcess; ready: Promise<void> };

/**
 * Runs WASI tasks in a child process, one at a time. A runaway run is killed without taking the caller
 * down (past `wallTimeMsMax` the process is killed and the next run starts a fresh one); a run can be
 * suspended and resumed (`suspend`, `resume`), which is how the worker's governor holds a donor's CPU
 * share. A process that dies fails its run with a ProofGrid error, never a hang.
 */
export class WasmSandbox {
  #running: Running | undefined;
  #nextId = 0;
  #busy = false;
  #suspended = false;
  #keys = new WeakMap<Uint8Array, string>();
  /** The running task's wall-clock guard, which stops while the sandbox is suspended. */
  #guard:
    | { remainingMs: number; since: number; timer: NodeJS.Timeout | undefined; fire: () => void }
    | undefined;

  /**
   * Starts the sandbox process ahead of the first run, so that its start (a Node process and a thread,
   * a good part of a second on a busy machine) overlaps the worker's first request for work. A process
   * that fails to start is started again by the next run, which reports the failure.
   */
  warmUp(): void {
    this.#ensureProcess().ready.catch(() => undefined);
  }

  async run(task: SandboxTask): Promise<SandboxResult> {
    assert(!this.#busy, 'a sandbox runs one task at a time');
    this.#busy = true;
    try {
      const running = this.#ensureProcess();
      // An idle sandbox must not keep its parent alive; a running task must, suspended or not.
      running.child.channel?.ref();
      try {
        await running.ready;
        return await this.#runOn(running.child, task);
      } finally {
        running.child.channel?.unref();
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Stops the sandbox process where it is (SIGSTOP) until `resume`; the running task's wall clock stops
   * with it. A process started while suspended (the first, or one replacing a killed one) loads at full
   * speed and is stopped at the governor's next call.
   */
  suspend(): void {
    this.#suspended = true;
    this.#signal('SIGSTOP');
    const guard = this.#guard;
    if (guard?.timer !== undefined) {
      clearTimeout(guard.timer);
      guard.timer = undefined;
      guard.remainingMs -= performance.now() - guard.since;
    }
  }

  resume(): void {
    this.#suspended = false;
    this.#signal('SIGCONT');
    const guard = this.#guard;
    if (guard !== undefined && guard.timer === undefined) {
      guard.since = performance.now();
      guard.timer = setTimeout(guard.fire, Math.max(0, guard.remainingMs));
    }
  }

  get suspended(): boolean {
    return this.#suspended;
  }

  /** The sandbox process's id while one runs; for CPU accounting. */
  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  /** Stops the sandbox process, if one is running. */
  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (running === undefined || running.child.exitCode !== null || running.child.signalCode !== null) return;
    const exited = new Promise((resolve) => running.child.once('exit', resolve));
    running.child.ref();
    running.child.kill('SIGKILL');
    await exited;
  }

  #signal(signal: NodeJS.Signals): void {
    const child = this.#running?.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
  }

  #keyOf(module: Uint8Array): string {
    let key = this.#keys.get(module);
    if (key === undefined) {
      key = createHash('sha256').update(module).digest('hex');
      this.#keys.set(module, key);
    }
    return key;
  }

  #runOn(child: ChildProcess, { wallTimeMsMax, module, ...task }: SandboxTask): Promise<SandboxResult> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup();
        this.#forget(child);
        reject(error);
      };
      const fire = () => {
        fail(new WallTimeExceededError({ wallTimeMsMax }));
        child.kill('SIGKILL');
      };
      this.#guard = { remainingMs: wallTimeMsMax, since: performance.now(), timer: undefined, fire };
      if (!this.#suspended) this.#guard.timer = setTimeout(fire, wallTimeMsMax);
      const onMessage = (reply: SandboxReply) => {
        if ('ready' in reply || reply.id !== id) return;
        cleanup();
        // The IPC decoder hands back views into its own buffers; the caller gets bytes of its own.
        if (reply.ok) resolve({ ...reply.result, output: new Uint8Array(reply.result.output) });
        else reject(new ProofGridError(reply.error.code, { shortMessage: reply.error.message }));
      };
      const onExit = (code: number | null, signal: string | null) =>
        fail(
          new WasmTrapError({ message: `the sandbox process stopped (${signal ?? `exit code ${code}`})` }),
        );
      const cleanup = () => {
        clearTimeout(this.#guard?.timer);
        this.#guard = undefined;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      const request: SandboxRequest = { id, moduleKey: this.#keyOf(module), moduleBytes: module, task };
      child.send(request);
    });
  }

  #ensureProcess(): Running {
    if (this.#running !== undefined) return this.#running;
    const child = forkSibling(import.meta.url, 'sandboxProcess', {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Its own process group: if this process dies while the child is stopped, the kernel wakes the
      // orphaned group with SIGHUP and SIGCONT, and the child exits instead of lingering stopped.
      detached: true,
    });
    child.unref();
    child.channel?.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new Error(`the sandbox process did not start within ${PROCESS_START_MS_MAX} ms`)),
        PROCESS_START_MS_MAX,
      );
      const settle = (error?: Error) => {
        clearTimeout(timer);
        child.off('message', onReady);
        child.off('exit', onExit);
        if (error === undefined) resolve();
        else {
          this.#forget(child);
          child.kill('SIGKILL');
          reject(error);
        }
      };
      const onReady = (reply: SandboxReply) => {
        if ('ready' in reply) settle();
      };
      const onExit = (code: number | null, signal: string | null) =>
        settle(
          new WasmTrapError({
            message: `the sandbox process stopped while starting (${signal ?? `exit code ${code}`})`,
          }),
        );
      child.on('message', onReady);
      child.once('exit', onExit);
    });
    this.#running = { child, ready };
    return this.#running;
  }

  #forget(child: ChildProcess): void {
    if (this.#running?.child === child) this.#running = undefined;
  }
}
