import { assert, type Clock } from '@proofgrid/core';

export type LoginRateLimiterOptions = {
  attemptsPerUsernameMax: number;
  attemptsPerAddressMax: number;
  windowMs: number;
  keysMax: number;
};

/**
 * Fixed-window counters of login attempts, per (client address, username) and per client address, so one
 * address cannot guess one account's password quickly nor spray many accounts. In memory: each hub process
 * counts its own share, which still bounds guessing to (hub processes × limit) per window.
 */
export class LoginRateLimiter {
  readonly #options: LoginRateLimiterOptions;
  readonly #clock: Clock;
  readonly #windows = new Map<string, { startMs: number; count: number }>();

  constructor(options: LoginRateLimiterOptions, deps: { clock: Clock }) {
    assert(options.keysMax > 0 && options.windowMs > 0, 'limiter has room and a window');
    this.#options = options;
    this.#clock = deps.clock;
  }

  /**
   * Counts one attempt. Returns 0 when it is allowed, else the seconds until the client may try again.
   */
  attempt({ address, username }: { address: string; username: string }): number {
    const nowMs = this.#clock.nowMs();
    const waitUsername = this.#count(
      `u\0${address}\0${username.toLowerCase()}`,
      this.#options.attemptsPerUsernameMax,
      nowMs,
    );
    const waitAddress = this.#count(`a\0${address}`, this.#options.attemptsPerAddressMax, nowMs);
    return Math.max(waitUsername, waitAddress);
  }

  #count(key: string, max: number, nowMs: number): number {
    let window = this.#windows.get(key);
    if (window === undefined || nowMs - window.startMs >= this.#options.windowMs) {
      this.#windows.delete(key);
      window = { startMs: nowMs, count: 0 };
      this.#evictIfFull(nowMs);
      this.#windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= max) return 0;
    return Math.ceil((window.startMs + this.#options.windowMs - nowMs) / 1000);
  }

  #evictIfFull(nowMs: number): void {
    if (this.#windows.size < this.#options.keysMax) return;
    for (const [key, window] of this.#windows) {
      if (nowMs - window.startMs >= this.#options.windowMs) this.#windows.delete(key);
    }
    // Still full of live windows: forget the oldest (Map keeps insertion order).
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < this.#options.keysMax) break;
      this.#windows.delete(key);
    }
    assert(this.#windows.size < this.#options.keysMax, 'limiter has room for one more key');
  }
}
