type Event = { atMs: number; sequence: number; run: () => unknown };

/**
 * The simulated clock: events run one at a time in order of their time, then of their scheduling (so two
 * events at the same millisecond always run in the same order). Time moves only from one event to the next.
 */
export class EventQueue {
  #now = 0;
  #sequence = 0;
  readonly #heap: Event[] = [];

  get now(): number {
    return this.#now;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Runs `run` `delayMs` from now (at least 0). */
  after(delayMs: number, run: () => unknown): void {
    this.#push({ atMs: this.#now + Math.max(0, delayMs), sequence: this.#sequence++, run });
  }

  /** Runs the next event, awaiting it whole before the clock may move; false when none is left. */
  async step(): Promise<boolean> {
    const event = this.#pop();
    if (event === undefined) return false;
    this.#now = event.atMs;
    await event.run();
    return true;
  }

  #before(i: number, j: number): boolean {
    const a = this.#heap[i];
    const b = this.#heap[j];
    if (a === undefined || b === undefined) return false;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    [heap[i], heap[j]] = [heap[j] as Event, heap[i] as Event];
  }

  #push(event: Event): void {
    this.#heap.push(event);
    for (let i = this.#heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #pop(): Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && this.#before(left, least)) least = left;
      if (right < heap.length && this.#before(right, least)) least = right;
      if (least === i) break;
      this.#swap(i, least);
      i = least;
    }
    return top;
  }
}
