import { availableParallelism } from 'node:os';
import { assert } from '@proofgrid/core';
import type { WasmSandbox } from '@proofgrid/runtime';
import { IdleDetector, type IdlePolicy } from './IdleDetector.ts';
import { type LoadCounters, otherBusyShare, readLoadCounters } from './machineLoad.ts';

/** The smallest share of a core a donor can give, as in seed 004's `EXECUTOR_CPUS`. */
export const CPUS_MIN = 0.001;
/** Shortest duty-cycle period: long enough that stopping and continuing a process costs nothing. */
const DUTY_PERIOD_MS_MIN = 100;
/** Shortest running phase: timers are not finer than a millisecond or two. */
const DUTY_ON_MS_MIN = 2;
const LOAD_SAMPLE_MS = 1000;

export type PauseReason = 'user' | 'busy';

export type GovernorState =
  | { paused: false }
  | { paused: true; reasons: PauseReason[]; otherBusy: number | undefined };

export type GovernorOptions = {
  /** Cores to use, 0.001 up to the machine's count; fractions are held by duty cycle. */
  cpus: number;
  /** Pause while other processes keep the machine busy; undefined to run regardless. */
  onlyWhenIdle: IdlePolicy | undefined;
  onChange?: (state: GovernorState) => void;
};

/**
 * Holds the worker to the share of the machine its donor gives it, the way BOINC's client does: the
 * tasks run in `slots()` sandboxes at once, each stopped and continued (SIGSTOP/SIGCONT) so that it runs
 * `duty()` of the time; everything stops while the donor pauses the worker or, with only-when-idle, while
 * other processes keep the machine busy. Lease loops wait on `whenRunnable` before asking for work.
 */
export class Governor {
  readonly #options: GovernorOptions;
  readonly #sandboxes = new Set<WasmSandbox>();
  readonly #reasons = new Set<PauseReason>();
  readonly #detector: IdleDetector | undefined;
  #waiters: (() => void)[] = [];
  #dutyTimer: NodeJS.Timeout | undefined;
  #loadTimer: NodeJS.Timeout | undefined;
  #lastLoad: LoadCounters | undefined;
  #otherBusy: number | undefined;
  #stopped = false;
  /** While paused nothing else may be pending (no timer, no socket): this keeps the process alive. */
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: GovernorOptions) {
    const cores = availableParallelism();
    if (!(options.cpus >= CPUS_MIN && options.cpus <= cores))
      throw new RangeError(
        `cpus must lie between ${CPUS_MIN} and this machine's ${cores} cores; got ${options.cpus}`,
      );
    this.#options = options;
    this.#detector = options.onlyWhenIdle === undefined ? undefined : new IdleDetector(options.onlyWhenIdle);
  }

  /** Sandboxes that run at once: one per started core. */
  slots(): number {
    return Math.ceil(this.#options.cpus);
  }

  /** The share of the time each sandbox runs. */
  duty(): number {
    return this.#options.cpus / this.slots();
  }

  start(): void {
    assert(!this.#stopped, 'a governor starts once');
    if (this.duty() < 1) this.#dutyOn();
    if (this.#detector !== undefined) {
      this.#lastLoad = readLoadCounters(this.#pids());
      this.#loadTimer = setInterval(() => this.#sampleLoad(), LOAD_SAMPLE_MS);
      this.#loadTimer.unref();
    }
  }

  /** Lets every sandbox run to its end and wakes every waiter; the worker is shutting down. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#dutyTimer);
    clearInterval(this.#loadTimer);
    clearInterval(this.#keepAlive);
    for (const sandbox of this.#sandboxes) sandbox.resume();
    this.#wake();
  }

  add(sandbox: WasmSandbox): void {
    this.#sandboxes.add(sandbox);
    if (this.#reasons.size > 0) sandbox.suspend();
  }

  remove(sandbox: WasmSandbox): void {
    this.#sandboxes.delete(sandbox);
  }

  pause(reason: PauseReason): void {
    if (this.#reasons.has(reason)) return;
    this.#reasons.add(reason);
    this.#keepAlive ??= setInterval(() => undefined, 60_000);
    for (const sandbox of this.#sandboxes) sandbox.suspend();
    this.#changed();
  }

  resume(reason: PauseReason): void {
    if (!this.#reasons.delete(reason)) return;
    if (this.#reasons.size === 0) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
      // The duty cycle, when there is one, continues the sandboxes at its next running phase.
      if (this.duty() >= 1) for (const sandbox of this.#sandboxes) sandbox.resume();
      this.#wake();
    }
    this.#changed();
  }

  state(): GovernorState {
    if (this.#reasons.size === 0) return { paused: false };
    return { paused: true, reasons: [...this.#reasons], otherBusy: this.#otherBusy };
  }

  /** The share of the machine other processes used in the last sample (only-when-idle). */
  otherBusy(): number | undefined {
    return this.#otherBusy;
  }

  /** Resolves when the worker may start a task: at once unless paused. */
  whenRunnable(signal: AbortSignal): Promise<void> {
    if (this.#reasons.size === 0 || this.#stopped || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  #dutyOn(): void {
    if (this.#stopped) return;
    const onMs = Math.max(DUTY_ON_MS_MIN, DUTY_PERIOD_MS_MIN * this.duty());
    const startedAt = performance.now();
    if (this.#reasons.size === 0) for (const sandbox of this.#sandboxes) sandbox.resume();
    this.#dutyTimer = setTimeout(() => {
      for (const sandbox of this.#sandboxes) sandbox.suspend();
      // Timers fire late; the resting phase is sized on the running phase as it really was.
      const ranMs = performance.now() - startedAt;
      this.#dutyTimer = setTimeout(() => this.#dutyOn(), (ranMs * (1 - this.duty())) / this.duty());
    }, onMs);
  }

  #sampleLoad(): void {
    const detector = this.#detector;
    assert(detector !== undefined && this.#lastLoad !== undefined, 'load is sampled only when idle matters');
    const now = readLoadCounters(this.#pids());
    this.#otherBusy = otherBusyShare(this.#lastLoad, now);
    this.#lastLoad = now;
    const busy = detector.sample(this.#otherBusy);
    if (busy) this.pause('busy');
    else this.resume('busy');
  }

  #pids(): number[] {
    return [...this.#sandboxes].flatMap((sandbox) => (sandbox.pid === undefined ? [] : [sandbox.pid]));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #changed(): void {
    this.#options.onChange?.(this.state());
  }
}
