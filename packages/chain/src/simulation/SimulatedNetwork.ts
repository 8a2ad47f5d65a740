import type { EventQueue } from './EventQueue.ts';
import type { Random } from './random.ts';

/** The faults a scenario injects, all seeded: what a real network and real machines do to messages. */
export type NetworkFaults = {
  /** The chance that any one delivery is lost, from 0 to 0.5. */
  dropRate: number;
  /** Each delivery takes a whole number of milliseconds drawn uniformly from this range. */
  delayMs: { min: number; max: number };
  /** While a partition lasts, nothing crosses between `side` and everyone else. */
  partitions: { fromMs: number; toMs: number; side: ReadonlySet<string> }[];
};

/** Someone on the network: messages reach it through `deliver` while it is up. */
export type Peer<M> = { name: string; up: boolean; deliver: (message: M, from: string) => Promise<unknown> };

/** Counts of what the network carried, for the report. */
export type NetworkCounts = { sent: number; delivered: number; dropped: number; partitioned: number };

/**
 * The simulated network: broadcast (the seed's broadcaster, relaying to everyone) and point-to-point
 * messages, each delivery independently delayed and perhaps dropped, partitions and down peers honoured at
 * the moment of delivery. Deterministic: every draw comes from its own seeded stream.
 */
export class SimulatedNetwork<M> {
  readonly #queue: EventQueue;
  readonly #random: Random;
  readonly #faults: NetworkFaults;
  readonly #peers = new Map<string, Peer<M>>();
  readonly counts: NetworkCounts = { sent: 0, delivered: 0, dropped: 0, partitioned: 0 };

  constructor({ queue, random, faults }: { queue: EventQueue; random: Random; faults: NetworkFaults }) {
    this.#queue = queue;
    this.#random = random;
    this.#faults = faults;
  }

  join(peer: Peer<M>): void {
    this.#peers.set(peer.name, peer);
  }

  /** To everyone but the sender. */
  broadcast(from: string, message: M): void {
    for (const name of this.#peers.keys()) if (name !== from) this.send(from, name, message);
  }

  send(from: string, to: string, message: M): void {
    this.counts.sent += 1;
    if (this.#random.chance(this.#faults.dropRate)) {
      this.counts.dropped += 1;
      return;
    }
    const { min, max } = this.#faults.delayMs;
    this.#queue.after(this.#random.int(min, max), async () => {
      const peer = this.#peers.get(to);
      if (peer === undefined || !peer.up) {
        this.counts.dropped += 1;
        return;
      }
      if (this.#partitioned(from, to)) {
        this.counts.partitioned += 1;
        return;
      }
      this.counts.delivered += 1;
      await peer.deliver(message, from);
    });
  }

  #partitioned(a: string, b: string): boolean {
    const now = this.#queue.now;
    return this.#faults.partitions.some(
      ({ fromMs, toMs, side }) => now >= fromMs && now < toMs && side.has(a) !== side.has(b),
    );
  }
}
