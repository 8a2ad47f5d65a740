import { setTimeout as sleep } from 'node:timers/promises';
import { HubApiError, type ReplicaLease, type WorkerClient } from '@proofgrid/client';
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
      if (!governor.state().paused) void this.#beat();
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
   * Submits a result, retrying while the hub is unreachable, failing, or could not check it (5xx), until
   * the lease's renewed deadline: past it another worker has the task. A refusal (4xx) is final.
   */
  async submit<T>(signal: AbortSignal, send: () => Promise<T>): Promise<T> {
    let waitMs = SUBMIT_RETRY_MS_MIN;
    for (;;) {
      try {
        return await send();
      } catch (error) {
        const final = error instanceof HubApiError && error.status >= 400 && error.status < 500;
        if (final || signal.aborted || Date.now() + waitMs > this.#deadlineMs) throw error;
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
        waitMs = Math.min(waitMs * 2, SUBMIT_RETRY_MS_MAX);
      }
    }
  }

  async #beat(): Promise<void> {
    try {
      const { lease_expires_at } = await this.#client.heartbeat(this.#lease.replica_id);
      this.#deadlineMs = Math.max(this.#deadlineMs, Date.parse(lease_expires_at));
    } catch (error) {
      if (error instanceof HubApiError && error.status >= 400 && error.status < 500) {
        this.#lostReason = error.detail;
        this.stop();
        this.#lost.abort();
      }
      // Otherwise the hub is unreachable or failing for a moment: the next heartbeat tries again.
    }
  }
}
