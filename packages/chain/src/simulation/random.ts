import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The simulator's only source of chance: sfc32 seeded from sha256 of a label. Each concern draws from its
 * own stream (`fork`), so that one more draw in one place (a node's extra lottery ticket) does not shift
 * every other (the network's delays): a seed stays a scenario when the code around it changes a little.
 */
export class Random {
  readonly #label: string;
  readonly #state: Uint32Array;

  constructor(label: string) {
    this.#label = label;
    const digest = sha256(utf8ToBytes(`proofgrid.simulation:${label}`));
    this.#state = new Uint32Array(digest.buffer, digest.byteOffset, 4).slice();
    for (let i = 0; i < 12; i++) this.#next32();
  }

  /** An independent stream named by `label` within this one. */
  fork(label: string): Random {
    return new Random(`${this.#label}/${label}`);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#next32() / 2 ** 32;
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  }

  #next32(): number {
    const s = this.#state;
    const [a = 0, b = 0, c = 0, d = 0] = s;
    const t = (((a + b) >>> 0) + d) >>> 0;
    s[3] = (d + 1) >>> 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) >>> 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t;
  }
}
