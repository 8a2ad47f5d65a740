import { assert, ProofGridError } from '@proofgrid/core';

/** The outcome of one item of a batch: a value, or the error that item alone failed with. */
export type BatchOutcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown };

export type MicroBatcherOptions = {
  /** Items executed together at most. */
  batchSizeMax: number;
  /** Items waiting at most; past this `submit` rejects at once (backpressure instead of an unbounded queue). */
  queuedMax: number;
};

/**
 * Runs concurrent requests in batches with next to no added latency: the first item runs after one turn of
 * the event loop; items that arrive by then, or while a batch runs, go together in the next one. Under load one database statement
 * serves many requests; alone, a request pays nothing. One batch runs at a time.
 */
export class MicroBatcher<Item, Result> {
  readonly #options: MicroBatcherOptions;
  readonly #execute: (items: Item[]) => Promise<BatchOutcome<Result>[]>;
  #queue: { item: Item; resolve: (value: Result) => void; reject: (error: unknown) => void }[] = [];
  #running = false;

  constructor(
    options: MicroBatcherOptions,
    deps: { execute: (items: Item[]) => Promise<BatchOutcome<Result>[]> },
  ) {
    assert(options.batchSizeMax >= 1 && options.queuedMax >= options.batchSizeMax, 'batch fits in the queue');
    this.#options = options;
    this.#execute = deps.execute;
  }

  /** Queues an item; resolves with its own result or rejects with its own error. */
  submit(item: Item): Promise<Result> {
    if (this.#queue.length >= this.#options.queuedMax) {
      return Promise.reject(
        new ProofGridError('TOO_MANY_REQUESTS', {
          shortMessage: `The hub is overloaded: more than ${this.#options.queuedMax} requests of this kind are waiting.`,
          details: 'Try again in a few seconds.',
        }),
      );
    }
    const promise = new Promise<Result>((resolve, reject) => this.#queue.push({ item, resolve, reject }));
    if (!this.#running) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    // Each round takes at least one item off the queue, so the loop ends when the queue is empty.
    while (this.#queue.length > 0) {
      // One turn of the event loop first: requests that arrived meanwhile are read and join this batch.
      // Without it a batch never grows on PGlite, whose statements resolve as microtasks, before any
      // socket is read again.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, this.#options.batchSizeMax);
      let outcomes: BatchOutcome<Result>[];
      try {
        outcomes = await this.#execute(batch.map((entry) => entry.item));
        assert(outcomes.length === batch.length, 'a batch returns one outcome per item');
      } catch (error) {
        outcomes = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (outcome?.ok) entry.resolve(outcome.value);
        else entry.reject(outcome === undefined ? new Error('batch lost an outcome') : outcome.error);
      });
    }
    this.#running = false;
  }
}
