import {
  applyBlock,
  blockHash,
  type ChainConfig,
  type ParentState,
  type StageReplay,
  type WrappedBlock,
} from './block.ts';
import { type Transaction, transactionHash } from './transaction.ts';

/** Blocks kept waiting for their parent, at most: a peer cannot fill a node's memory with orphans. */
export const ORPHANS_MAX = 1024;
/** Transactions waiting for a block, at most. */
export const POOL_MAX = 10_000;

export type AddOutcome =
  | { outcome: 'accepted'; hash: string; tipChanged: boolean }
  | { outcome: 'known'; hash: string }
  | { outcome: 'orphan'; hash: string; missingParent: string }
  | { outcome: 'refused'; hash: string; reason: string };

type Stored = { block: WrappedBlock | null; state: ParentState };

/**
 * A node's view of the chain, in memory and pure (the network and the disk are the caller's): every valid
 * block with the state after it, the best tip, orphans waiting for their parent, and the pool of
 * transactions not yet in the main chain.
 *
 * Fork choice: the valid chain with the most blocks wins; between tips of equal height, the one with the
 * lower hash (so every node that knows the same blocks picks the same tip). A reorganisation puts the
 * transactions of the blocks it leaves back in the pool.
 */
export class ChainStore {
  readonly #config: ChainConfig;
  readonly #replay: StageReplay;
  readonly #blocks = new Map<string, Stored>();
  readonly #orphans = new Map<string, WrappedBlock[]>();
  readonly #pool = new Map<string, Transaction>();
  #orphanCount = 0;
  #tip: string;

  constructor({
    genesis,
    config,
    replay,
  }: { genesis: ParentState; config: ChainConfig; replay: StageReplay }) {
    this.#config = config;
    this.#replay = replay;
    this.#blocks.set(genesis.hash, { block: null, state: genesis });
    this.#tip = genesis.hash;
  }

  /** The state after the best tip. */
  get tip(): ParentState {
    return this.#stored(this.#tip).state;
  }

  /** The main chain's blocks, genesis excluded, oldest first. */
  mainChain(): WrappedBlock[] {
    const blocks: WrappedBlock[] = [];
    for (let at = this.#stored(this.#tip); at.block !== null; at = this.#stored(at.block.header.parentHash))
      blocks.push(at.block);
    return blocks.reverse();
  }

  /** Transactions waiting for a block, in arrival order. */
  pool(): Transaction[] {
    return [...this.#pool.values()];
  }

  /** Adds a transaction to the pool unless it is there or already in the main chain. */
  addTransaction(transaction: Transaction): boolean {
    const hash = transactionHash(transaction);
    if (this.#pool.has(hash) || this.#pool.size >= POOL_MAX || this.#inMainChain(hash)) return false;
    this.#pool.set(hash, transaction);
    return true;
  }

  /**
   * Judges a block and, if valid, keeps it and moves the tip if it makes a longer chain. A block whose
   * parent is unknown waits as an orphan (ask a peer for `missingParent`) and is judged when it arrives.
   */
  async add(block: WrappedBlock): Promise<AddOutcome> {
    const hash = blockHash(block);
    if (this.#blocks.has(hash)) return { outcome: 'known', hash };
    const parent = this.#blocks.get(block.header.parentHash);
    if (parent === undefined) {
      const waiting = this.#orphans.get(block.header.parentHash) ?? [];
      if (this.#orphanCount < ORPHANS_MAX && !waiting.some((orphan) => blockHash(orphan) === hash)) {
        waiting.push(block);
        this.#orphans.set(block.header.parentHash, waiting);
        this.#orphanCount += 1;
      }
      return { outcome: 'orphan', hash, missingParent: block.header.parentHash };
    }
    const applied = await applyBlock(block, parent.state, this.#config, this.#replay);
    if (!applied.ok) {
      // Its descendants can never be valid: they go too.
      this.#orphanCount -= this.#orphans.get(hash)?.length ?? 0;
      this.#orphans.delete(hash);
      return { outcome: 'refused', hash, reason: applied.reason };
    }
    this.#blocks.set(hash, { block, state: applied.state });
    const before = this.#tip;
    if (this.#better(hash, this.#tip)) this.#moveTip(hash);
    for (const child of this.#orphans.get(hash) ?? []) {
      this.#orphanCount -= 1;
      await this.add(child);
    }
    this.#orphans.delete(hash);
    return { outcome: 'accepted', hash, tipChanged: this.#tip !== before };
  }

  #better(candidate: string, current: string): boolean {
    const a = this.#stored(candidate).state.index;
    const b = this.#stored(current).state.index;
    return a > b || (a === b && candidate < current);
  }

  #moveTip(hash: string): void {
    const leaving = new Map<string, Transaction>();
    const joining = new Set<string>();
    let oldAt = this.#tip;
    let newAt = hash;
    // Walk both branches back to their common ancestor.
    while (oldAt !== newAt) {
      const oldStored = this.#stored(oldAt);
      const newStored = this.#stored(newAt);
      if (oldStored.state.index >= newStored.state.index && oldStored.block !== null) {
        for (const transaction of oldStored.block.transactions)
          leaving.set(transactionHash(transaction), transaction);
        oldAt = oldStored.block.header.parentHash;
      } else if (newStored.block !== null) {
        for (const transaction of newStored.block.transactions) joining.add(transactionHash(transaction));
        newAt = newStored.block.header.parentHash;
      } else break;
    }
    this.#tip = hash;
    for (const key of joining) this.#pool.delete(key);
    for (const [key, transaction] of leaving)
      if (!joining.has(key) && this.#pool.size < POOL_MAX) this.#pool.set(key, transaction);
  }

  #inMainChain(transactionHashHex: string): boolean {
    return this.mainChain().some((block) =>
      block.transactions.some((t) => transactionHash(t) === transactionHashHex),
    );
  }

  #stored(hash: string): Stored {
    const stored = this.#blocks.get(hash);
    if (stored === undefined) throw new Error(`block ${hash.slice(0, 8)} is not stored`);
    return stored;
  }
}
