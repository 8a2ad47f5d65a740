import type { Transaction, WrappedBlock } from '@proofgrid/chain';
import { ProofGridError } from '@proofgrid/core';
import { ClassicLevel } from 'classic-level';

/** A peer as a node remembers it: its HTTP URL (CurveTime's registry) and its libp2p addresses. */
export type StoredPeer = { url: string | null; peerId: string; multiaddrs: string[] };

/** Peers remembered, at most. */
export const PEERS_STORED_MAX = 1024;

const BLOCK = 'b!';
const TRANSACTION = 't!';
const PEER = 'p!';
const META = 'm!';

/**
 * A node's disk: every block it accepted (main chain and side branches), the transactions it pooled, the
 * peers it knows and a few facts about itself, in one LevelDB (classic-level, as Lodestar uses). Blocks are
 * keyed by height then hash, so a restart reads them back parents first. Nothing here is trusted on the
 * way back in: the node re-judges every block it reads.
 */
export class NodeStore {
  readonly #db: ClassicLevel<string, unknown>;

  private constructor(db: ClassicLevel<string, unknown>) {
    this.#db = db;
  }

  /**
   * Opens (or creates) the store in `directory`.
   *
   * @throws NODE_DATA_DIR_IN_USE when another node has it open
   */
  static async open(directory: string): Promise<NodeStore> {
    const db = new ClassicLevel<string, unknown>(directory, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (error) {
      const locked = (error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
      throw new ProofGridError(locked ? 'NODE_DATA_DIR_IN_USE' : 'STORAGE_UNAVAILABLE', {
        shortMessage: locked
          ? `Another node is running on the data directory ${directory}.`
          : `The node's store in ${directory} cannot be opened: ${(error as Error).message}.`,
        details: locked
          ? 'Stop it, or give this node its own directory with --data-dir.'
          : 'Check the directory’s permissions and free space.',
        cause: error,
      });
    }
    return new NodeStore(db);
  }

  async meta<T>(key: string): Promise<T | undefined> {
    return (await this.#db.get(META + key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.#db.put(META + key, value);
  }

  async putBlock(hash: string, block: WrappedBlock): Promise<void> {
    await this.#db.put(`${BLOCK}${String(block.header.index).padStart(12, '0')}!${hash}`, block);
  }

  async deleteBlock(hash: string, index: number): Promise<void> {
    await this.#db.del(`${BLOCK}${String(index).padStart(12, '0')}!${hash}`);
  }

  /** Every stored block, lowest height first. */
  async *blocks(): AsyncGenerator<{ hash: string; block: WrappedBlock }> {
    for await (const [key, value] of this.#db.iterator({ gte: BLOCK, lt: `${BLOCK}~` }))
      yield { hash: key.slice(BLOCK.length + 13), block: value as WrappedBlock };
  }

  async putTransaction(hash: string, transaction: Transaction): Promise<void> {
    await this.#db.put(TRANSACTION + hash, transaction);
  }

  async deleteTransaction(hash: string): Promise<void> {
    await this.#db.del(TRANSACTION + hash);
  }

  async transactions(): Promise<{ hash: string; transaction: Transaction }[]> {
    const found: { hash: string; transaction: Transaction }[] = [];
    for await (const [key, value] of this.#db.iterator({ gte: TRANSACTION, lt: `${TRANSACTION}~` }))
      found.push({ hash: key.slice(TRANSACTION.length), transaction: value as Transaction });
    return found;
  }

  async putPeer(peer: StoredPeer): Promise<void> {
    const known = await this.peers();
    if (known.length >= PEERS_STORED_MAX && !known.some((p) => p.peerId === peer.peerId)) return;
    await this.#db.put(PEER + peer.peerId, peer);
  }

  async peers(): Promise<StoredPeer[]> {
    const found: StoredPeer[] = [];
    for await (const value of this.#db.values({ gte: PEER, lt: `${PEER}~` })) found.push(value as StoredPeer);
    return found;
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
