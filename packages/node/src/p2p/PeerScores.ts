/** Invalid messages a peer may send before it is dropped and refused for `BAN_MS`. */
export const REJECTS_BEFORE_BAN = 5;
/** How long a dropped peer stays refused. */
export const BAN_MS = 10 * 60_000;
/** Peers tracked, at most (the least recently scored go first). */
const TRACKED_MAX = 4096;

/**
 * Each peer's standing with this node: every message the protocol rejects (malformed, oversized, badly
 * signed, replayed to no purpose, re-executing to another result) costs its sender a point; at
 * `REJECTS_BEFORE_BAN` the peer is dropped and refused for a while. Honest peers never get here: they judge
 * a message the same way before relaying it, so they relay nothing this node would reject.
 */
export class PeerScores {
  readonly #rejects = new Map<string, number>();
  readonly #bannedUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Counts one rejected message; true when the peer has now earned a ban. */
  reject(peerId: string): boolean {
    const count = (this.#rejects.get(peerId) ?? 0) + 1;
    this.#rejects.delete(peerId);
    if (this.#rejects.size >= TRACKED_MAX) this.#rejects.delete(this.#rejects.keys().next().value ?? '');
    this.#rejects.set(peerId, count);
    if (count < REJECTS_BEFORE_BAN) return false;
    this.#rejects.delete(peerId);
    if (this.#bannedUntil.size >= TRACKED_MAX)
      this.#bannedUntil.delete(this.#bannedUntil.keys().next().value ?? '');
    this.#bannedUntil.set(peerId, this.#now() + BAN_MS);
    return true;
  }

  /** An operator's block: refused until `unblock`, whatever its record. */
  block(peerId: string): void {
    this.#bannedUntil.set(peerId, Number.POSITIVE_INFINITY);
  }

  unblock(peerId: string): void {
    this.#bannedUntil.delete(peerId);
    this.#rejects.delete(peerId);
  }

  banned(peerId: string): boolean {
    const until = this.#bannedUntil.get(peerId);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#bannedUntil.delete(peerId);
    return false;
  }

  /** A peer's score: 0 for a clean record, minus one per rejected message; null once banned. */
  score(peerId: string): number | null {
    return this.banned(peerId) ? null : -(this.#rejects.get(peerId) ?? 0);
  }

  bannedPeers(): string[] {
    return [...this.#bannedUntil.keys()].filter((peerId) => this.banned(peerId));
  }
}
