import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Deterministic random bytes: SHA-256 of (seed, block counter), block after block. The same seed (the
 * task id) gives the same bytes on every machine and every run, which is what lets replicas agree on
 * programs that use randomness (Monte Carlo); it is not meant to be unpredictable.
 */
export class SeededRandom {
  readonly #seed: Uint8Array;
  #counter = 0;
  #buffer = new Uint8Array(0);
  #used = 0;

  constructor(seed: string) {
    this.#seed = new TextEncoder().encode(seed);
  }

  fill(target: Uint8Array): void {
    for (let written = 0; written < target.length; ) {
      if (this.#used === this.#buffer.length) this.#refill();
      const take = Math.min(target.length - written, this.#buffer.length - this.#used);
      target.set(this.#buffer.subarray(this.#used, this.#used + take), written);
      this.#used += take;
      written += take;
    }
  }

  #refill(): void {
    const block = new Uint8Array(this.#seed.length + 8);
    block.set(this.#seed, 0);
    new DataView(block.buffer).setBigUint64(this.#seed.length, BigInt(this.#counter), true);
    this.#counter += 1;
    this.#buffer = sha256(block);
    this.#used = 0;
  }
}
