import {
  applyBlock,
  blockHash,
  type ChainConfig,
  headerSelfFault,
  type ParentState,
  type StageReplay,
  type WrappedBlock,
} from './block.ts';
import { JOB_QUEUE_MAX, PENDING_PER_SENDER_MAX } from './constants.ts';
import { blockShapeFault, transactionShapeFault } from './shape.ts';
import { type Transaction, transactionCost, transactionFault, transactionHash } from './transaction.ts';

/** Blocks kept waiting for their parent, at most: a peer cannot fill a node's memory with orphans. */
export const ORPHANS_MAX = 1024;
/** Transactions waiting for a block, at most. */
export const POOL_MAX = 10_000;
/** Refused blocks remembered (with why), so a block relayed by many peers is judged once. */
const REFUSED_REMEMBERED = 4096;
/** Stage re-executions remembered: a wrapper that wraps one header many ways costs one training. */
const REPLAYS_REMEMBERED = 64;

export type AddOutcome =
  | { outcome: 'accepted'; hash: string; tipChanged: boolean }
  | { outcome: 'known'; hash: string }
  | { outcome: 'orphan'; hash: string; missingParent: string }
  | { outcome: 'dropped'; hash: string; reason: string }
  | { outcome: 'refused'; hash: string; reason: string }
  /** This node could not re-execute the stage (its own fault, not the block's): not judged, not kept. */
  | { outcome: 'unjudged'; hash: string; reason: string };

type Stored = { block: WrappedBlock | null; state: ParentState };

/** This node could not re-execute a stage (no checkpoint, another environment): could not check. */
class ReplayFailed extends Error {
  constructor(cause: unknown) {
    super(
      `this node cannot re-execute the stage: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

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
  readonly #onAccepted: ((block: WrappedBlock) => void) | undefined;
  readonly #blocks = new Map<string, Stored>();
  readonly #orphans = new Map<string, WrappedBlock[]>();
  readonly #pool = new Map<string, Transaction>();
  /** Hashes of the main chain's transactions, kept with the tip. */
  readonly #mainTransactions = new Set<string>();
  readonly #replays = new Map<string, ReturnType<StageReplay>>();
  readonly #refused = new Map<string, string>();
  #orphanCount = 0;
  #tip: string;

  constructor({
    genesis,
    config,
    replay,
    onAccepted,
  }: {
    genesis: ParentState;
    config: ChainConfig;
    replay: StageReplay;
    /** Told of every block kept, orphans taken in included (a node writes them to disk). */
    onAccepted?: (block: WrappedBlock) => void;
  }) {
    this.#config = config;
    this.#onAccepted = onAccepted;
    // The stage is deterministic: one re-execution per parent checkpoint and stage serves every sibling.
    this.#replay = (stage) => {
      const key = `${stage.stageId} ${stage.parentCheckpointSha256}`;
      let replayed = this.#replays.get(key);
      if (replayed === undefined) {
        replayed = replay(stage).catch((error: unknown) => {
          throw new ReplayFailed(error);
        });
        this.#replays.set(key, replayed);
        replayed.catch(() => this.#replays.delete(key));
        if (this.#replays.size > REPLAYS_REMEMBERED)
          this.#replays.delete(this.#replays.keys().next().value ?? '');
      }
      return replayed;
    };
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

  /**
   * The stage after `parentCheckpointSha256`, re-executed once and remembered: what a node checks a header
   * against before it vouches for it, and a block against before it accepts it. Rejects when this node
   * cannot re-execute it (could not check — never a judgement).
   */
  reexecute(stage: Parameters<StageReplay>[0]): ReturnType<StageReplay> {
    return this.#replay(stage);
  }

  /** The state after a stored block (the genesis included), or undefined. */
  stateOf(hash: string): ParentState | undefined {
    return this.#blocks.get(hash)?.state;
  }

  /** A stored block (not the genesis), or undefined: what a node serves to a peer that asks for it. */
  block(hash: string): WrappedBlock | undefined {
    return this.#blocks.get(hash)?.block ?? undefined;
  }

  /** Transactions waiting for a block, in arrival order. */
  pool(): Transaction[] {
    return [...this.#pool.values()];
  }

  /**
   * Adds a transaction to the pool if it is signed, well formed and not yet spent at the tip (its nonce is
   * above the sender's last), and neither pooled nor in the main chain already.
   */
  addTransaction(transaction: Transaction): boolean {
    return this.poolTransaction(transaction).ok;
  }

  /**
   * `addTransaction`, saying why not: `invalid` when the transaction itself is wrong (malformed, badly
   * signed) — what scores a peer down — and not when it is merely late, known or the pool is full.
   */
  poolTransaction(transaction: Transaction): { ok: true } | { ok: false; invalid: boolean; reason: string } {
    const shape = transactionShapeFault(transaction);
    if (shape !== null) return { ok: false, invalid: true, reason: `it is malformed: ${shape}` };
    const hash = transactionHash(transaction);
    if (this.#pool.has(hash)) return { ok: false, invalid: false, reason: 'it is already pending' };
    if (this.#mainTransactions.has(hash))
      return { ok: false, invalid: false, reason: 'it is already in a block' };
    if (this.#pool.size >= POOL_MAX)
      return {
        ok: false,
        invalid: false,
        reason: `the pool is full (${POOL_MAX} transactions): try again later`,
      };
    const fault = transactionFault(transaction);
    if (fault !== null) return { ok: false, invalid: true, reason: fault };
    const account = this.tip.accounts.get(transaction.from) ?? { balance: 0, nonce: 0 };
    if (transaction.nonce <= account.nonce)
      return {
        ok: false,
        invalid: false,
        reason: `nonce ${transaction.nonce} is used already: the sender's next nonce is ${account.nonce + 1}`,
      };
    // What the sender cannot pay at the tip, with what it has pending, waits nowhere: a key holding nothing
    // cannot fill the pool.
    const pending = [...this.#pool.values()].filter((t) => t.from === transaction.from);
    if (pending.length >= PENDING_PER_SENDER_MAX)
      return {
        ok: false,
        invalid: false,
        reason: `the sender has ${PENDING_PER_SENDER_MAX} transactions pending already`,
      };
    const owed = pending.reduce((sum, t) => sum + transactionCost(t), transactionCost(transaction));
    if (owed > account.balance)
      return {
        ok: false,
        invalid: false,
        reason: `the sender holds ${account.balance} micro-coins at the tip, its pending transactions and this one need ${owed}`,
      };
    if (
      'kind' in transaction &&
      transaction.kind === 'train-job' &&
      (this.tip.queue?.length ?? 0) >= JOB_QUEUE_MAX
    )
      return {
        ok: false,
        invalid: false,
        reason: `the job queue is full (${JOB_QUEUE_MAX} jobs): submit it later`,
      };
    this.#pool.set(hash, transaction);
    return { ok: true };
  }

  /**
   * Judges a block and, if valid, keeps it and moves the tip if it makes a longer chain. A block whose
   * parent is unknown waits as an orphan (ask a peer for `missingParent`) and is judged when it arrives.
   */
  async add(block: WrappedBlock): Promise<AddOutcome> {
    const shape = blockShapeFault(block);
    if (shape !== null) return { outcome: 'dropped', hash: '', reason: `it is malformed: ${shape}` };
    const hash = blockHash(block);
    if (this.#blocks.has(hash)) return { outcome: 'known', hash };
    const refusedBefore = this.#refused.get(hash);
    if (refusedBefore !== undefined) return { outcome: 'refused', hash, reason: refusedBefore };
    const parent = this.#blocks.get(block.header.parentHash);
    if (parent === undefined) {
      // Kept only if its header could be valid (what can be checked without the parent), so junk
      // cannot crowd out real orphans; when full, the oldest orphan goes.
      const { header } = block;
      const fault = headerSelfFault(header, this.#config);
      if (fault !== null) return { outcome: 'dropped', hash, reason: `header: ${fault}` };
      this.#keepOrphan(block, hash);
      return { outcome: 'orphan', hash, missingParent: header.parentHash };
    }
    let applied: Awaited<ReturnType<typeof applyBlock>>;
    try {
      applied = await applyBlock(block, parent.state, this.#config, this.#replay);
    } catch (error) {
      if (error instanceof ReplayFailed) return { outcome: 'unjudged', hash, reason: error.message };
      throw error;
    }
    if (!applied.ok) {
      // Its descendants can never be valid: they go too, at every depth.
      this.#dropOrphansOf(hash);
      if (this.#refused.size >= REFUSED_REMEMBERED)
        this.#refused.delete(this.#refused.keys().next().value ?? '');
      this.#refused.set(hash, applied.reason);
      return { outcome: 'refused', hash, reason: applied.reason };
    }
    this.#blocks.set(hash, { block, state: applied.state });
    this.#onAccepted?.(block);
    const before = this.#tip;
    if (this.#better(hash, this.#tip)) this.#moveTip(hash);
    const children = this.#orphans.get(hash) ?? [];
    this.#orphans.delete(hash);
    this.#orphanCount -= children.length;
    // A child this node cannot judge yet is not kept: a peer's next status brings it again.
    for (const child of children) await this.add(child);
    return { outcome: 'accepted', hash, tipChanged: this.#tip !== before };
  }

  #keepOrphan(block: WrappedBlock, hash: string): void {
    const waiting = this.#orphans.get(block.header.parentHash) ?? [];
    if (waiting.some((orphan) => blockHash(orphan) === hash)) return;
    if (this.#orphanCount >= ORPHANS_MAX) this.#evictOldestOrphan();
    waiting.push(block);
    this.#orphans.set(block.header.parentHash, waiting);
    this.#orphanCount += 1;
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
    for (const key of leaving.keys()) this.#mainTransactions.delete(key);
    for (const key of joining) {
      this.#pool.delete(key);
      this.#mainTransactions.add(key);
    }
    for (const [key, transaction] of leaving)
      if (!joining.has(key) && this.#pool.size < POOL_MAX) this.#pool.set(key, transaction);
    // A transfer whose nonce the new tip has used can never go in (the other spend of a double spend).
    const { accounts } = this.tip;
    for (const [key, transaction] of this.#pool)
      if (transaction.nonce <= (accounts.get(transaction.from)?.nonce ?? 0)) this.#pool.delete(key);
  }

  #dropOrphansOf(hash: string): void {
    const children = this.#orphans.get(hash) ?? [];
    this.#orphans.delete(hash);
    this.#orphanCount -= children.length;
    for (const child of children) this.#dropOrphansOf(blockHash(child));
  }

  #evictOldestOrphan(): void {
    const [parentHash, waiting] = this.#orphans.entries().next().value ?? [];
    if (parentHash === undefined || waiting === undefined) return;
    waiting.shift();
    this.#orphanCount -= 1;
    if (waiting.length === 0) this.#orphans.delete(parentHash);
  }

  #stored(hash: string): Stored {
    const stored = this.#blocks.get(hash);
    if (stored === undefined) throw new Error(`block ${hash.slice(0, 8)} is not stored`);
    return stored;
  }
}
