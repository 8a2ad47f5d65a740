import { setTimeout as sleep } from 'node:timers/promises';
import { isRefusal, type ReplicaLease, type WorkerClient } from '@proofgrid/client';
import type { Governor } from './governor/Governor.ts';

/** Heartbeats come at least this often, and at most every third of the lease. */
const HEARTBEAT_MS_MIN = 1_000;
/** Waits between submission attempts while the hub is unreachable or failing, doubling up to the max. */
const SUBMIT_RETRY_MS_MIN = 250;
const SUBMIT_RETRY_MS_MAX = 5_000;

/**
 * Keeps one lease alive while its task runs: heartbeats at a third of the lease length (a paused worker
 * sends none, so a long pause lets the lease go), the deadline each heartbeat renews, and `lost` — aborted
 * when the hub refuses a heartbeat, so the task stops instead of finishing for nothing. A missed heartbeat
 * (the hub briefly down) is not a refusal: the next one, or the submission, tells.
 */
export class LeaseKeeper {
  readonly #client: WorkerClient;
  readonly #lease: ReplicaLease;
  readonly #lost = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #deadlineMs: number;
  #lostReason: string | undefined;
  /** A heartbeat is on its way: a slow hub gets one at a time, not a pile. */
  #beating = false;

  constructor({
    client,
    governor,
    lease,
  }: { client: WorkerClient; governor: Governor; lease: ReplicaLease }) {
    this.#client = client;
    this.#lease = lease;
    this.#deadlineMs = Date.parse(lease.lease_expires_at);
    const periodMs = Math.max(HEARTBEAT_MS_MIN, (this.#deadlineMs - Date.now()) / 3);
    this.#timer = setInterval(() => {
      if (!governor.state().paused && !this.#beating) void this.#beat();
    }, periodMs);
  }

  /** Aborted when the hub refused a heartbeat: the task's result is no longer wanted. */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** Why the lease was lost, once it was. */
  get lostReason(): string | undefined {
    return this.#lostReason;
  }

  /** Until when the lease runs, as the latest heartbeat renewed it. */
  get deadlineMs(): number {
    return this.#deadlineMs;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /**
   * Submits a result, retrying while the hub is unreachable, failing or busy, until the lease's renewed
   * deadline: past it another worker has the task. A refusal is final.
   */
  submit<T>(signal: AbortSignal, send: () => Promise<T>): Promise<T> {
    return retryUntil(() => this.#deadlineMs, signal, send);
  }

  async #beat(): Promise<void> {
    this.#beating = true;
    try {
      const { lease_expires_at } = await this.#client.heartbeat(this.#lease.replica_id);
      this.#deadlineMs = Math.max(this.#deadlineMs, Date.parse(lease_expires_at));
    } catch (error) {
      if (isRefusal(error)) {
        this.#lostReason = error.detail;
        this.stop();
        this.#lost.abort();
      }
      // Otherwise the hub is unreachable, failing or busy for a moment: the next heartbeat tries again.
    } finally {
      this.#beating = false;
    }
  }
}

/**
 * Calls `send` until it succeeds, retrying while the hub is unreachable, failing or busy, with waits that
 * double from SUBMIT_RETRY_MS_MIN to SUBMIT_RETRY_MS_MAX. Gives up on a refusal, when `signal` aborts,
 * or when the next try would come after `deadlineMs()` (read afresh each time: heartbeats move it).
 */
export async function retryUntil<T>(
  deadlineMs: () => number,
  signal: AbortSignal,
  send: () => Promise<T>,
): Promise<T> {
  let waitMs = SUBMIT_RETRY_MS_MIN;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      if (isRefusal(error) || signal.aborted || Date.now() + waitMs > deadlineMs()) throw error;
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, SUBMIT_RETRY_MS_MAX);
    }
  }
}
