import { mkdirSync } from 'node:fs';
import {
  blockHash,
  type LogRecord,
  Participant,
  shortId,
  transactionHash,
  type Verdict,
  type WrappedBlock,
} from '@proofgrid/chain';
import { ProofGridError } from '@proofgrid/core';
import type { Poison } from '@proofgrid/runtime/train';
import { chainOfGenesis, DEV_KEYS, devGenesis, devKey, type Genesis } from './genesis.ts';
import { Metrics } from './Metrics.ts';
import { loadOrCreateNodeKey, type NodeKey } from './nodeKey.ts';
import { BLOCKS_PER_FETCH_MAX, FETCH_RESPONSE_BYTES_MAX, PeerNetwork } from './p2p/PeerNetwork.ts';
import { NodeStore, PEERS_STORED_MAX, type StoredPeer } from './store/NodeStore.ts';
import { JobTrainer } from './training/JobTrainer.ts';

/** Peers remembered in memory, at most. */
const KNOWN_PEERS_MAX = 256;
/** How often peers known but not connected are dialled again. */
const REDIAL_INTERVAL_MS = 5_000;

export type NodeOptions = {
  dataDir: string;
  /** The address HTTP and libp2p listen on. */
  host: string;
  /** HTTP port (CurveTime's API); 0 picks a free one. */
  port: number;
  /** libp2p TCP port; 0 picks a free one. */
  p2pPort: number;
  /** The network's genesis; without one, the data directory's, or else the embedded dev network's. */
  genesis: Genesis | null;
  /** Train stages (mine); a node that does not still verifies every block by re-executing its stage. */
  train: boolean;
  /** Train on corrupted samples (to test a network's defences): such a node's work is refused by all. */
  poison: Poison | null;
  log: (line: string) => void;
  verbose: boolean;
};

/** A clock on the wall: the protocol's timers, each cancelled at stop. */
class WallClock {
  readonly #timers = new Set<NodeJS.Timeout>();
  get now(): number {
    return Date.now();
  }
  after(delayMs: number, run: () => unknown): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void run();
    }, delayMs);
    this.#timers.add(timer);
  }
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/**
 * One Proof-of-Training node: seed 003's protocol (the `Participant` the simulator runs) on a wall clock,
 * gossiping over libp2p, keeping what it accepts in its data directory. It re-judges everything it stored
 * when it starts, and re-executes every stage it is shown.
 */
export class ChainNode {
  readonly genesis: Genesis;
  readonly genesisHash: string;
  readonly key: NodeKey;
  readonly participant: Participant;
  readonly network: PeerNetwork;
  readonly store: NodeStore;
  readonly stages: JobTrainer;
  readonly metrics: Metrics;
  readonly startedAtMs = Date.now();
  /** CurveTime's registry: peers by HTTP URL. */
  readonly httpPeers = new Map<string, { peerId: string; multiaddrs: string[] }>();
  /** This node's own HTTP URL, once it listens. */
  url = '';
  readonly #clock: WallClock;
  readonly #options: NodeOptions;
  /** Every peer this node has known, by peer id: redialled while not connected. */
  readonly #known = new Map<string, string[]>();
  #stopped = false;

  private constructor(parts: {
    genesis: Genesis;
    genesisHash: string;
    key: NodeKey;
    participant: Participant;
    network: PeerNetwork;
    store: NodeStore;
    stages: JobTrainer;
    clock: WallClock;
    metrics: Metrics;
    options: NodeOptions;
  }) {
    this.metrics = parts.metrics;
    this.genesis = parts.genesis;
    this.genesisHash = parts.genesisHash;
    this.key = parts.key;
    this.participant = parts.participant;
    this.network = parts.network;
    this.store = parts.store;
    this.stages = parts.stages;
    this.#clock = parts.clock;
    this.#options = parts.options;
  }

  /**
   * Opens the data directory, re-judges every block stored there, joins the network and starts its timers
   * (no HTTP: the caller serves `buildNodeApp(node)`).
   *
   * @throws NODE_DATA_DIR_IN_USE, GENESIS_MISMATCH, INVALID_GENESIS
   */
  static async open(options: NodeOptions): Promise<ChainNode> {
    mkdirSync(options.dataDir, { recursive: true });
    const store = await NodeStore.open(`${options.dataDir}/chain`);
    try {
      const stored = await store.meta<Genesis>('genesis');
      const genesis = options.genesis ?? stored ?? devGenesis();
      if (stored !== undefined && JSON.stringify(stored) !== JSON.stringify(genesis))
        throw new ProofGridError('GENESIS_MISMATCH', {
          shortMessage: `The data directory ${options.dataDir} holds a chain of network "${stored.networkId}", not of the genesis given.`,
          details:
            'Start without --genesis to continue that chain, or give the new network its own --data-dir.',
        });
      if (stored === undefined) await store.setMeta('genesis', genesis);
      const devIndex = options.port - 8000;
      const fallback =
        genesis.networkId === devGenesis().networkId && devIndex >= 0 && devIndex < DEV_KEYS
          ? devKey(devIndex).secretKey
          : undefined;
      const { key } = loadOrCreateNodeKey(options.dataDir, fallback);
      const stages = await JobTrainer.create(genesis.training, {
        poison: options.poison ?? 'flip-labels',
        directory: `${options.dataDir}/checkpoints`,
      });
      const chain = chainOfGenesis(genesis, stages.defaultCache.initialSha256);
      const network = await PeerNetwork.create({
        seed: key.secretKey,
        host: options.host,
        port: options.p2pPort,
        networkName: `${genesis.networkId}-${chain.state.hash.slice(0, 16)}`,
      });
      const clock = new WallClock();
      let recovering = true;
      const metrics = new Metrics();
      const log = (record: LogRecord) => {
        if (record.level === 'DEBUG' && !options.verbose) return;
        const at = new Date(record.timeMs).toISOString().slice(11, 23);
        options.log(`[${at}][${record.name}][${record.level}]: ${record.message}`);
      };
      const participant = new Participant({
        name: shortId(key.publicKey),
        role: options.poison !== null ? 'poisoner' : options.train ? 'honest' : 'user',
        key,
        world: {
          clock,
          network,
          config: chain.config,
          timing: chain.timing,
          trainer: async (stage) => {
            const before = stages.trained;
            const startedAt = performance.now();
            const result = await stages.train(stage);
            if (stages.trained > before)
              metrics.observe('proofgrid_stage_train_seconds', (performance.now() - startedAt) / 1000);
            return result;
          },
          genesis: chain.state,
          targetLength: Number.POSITIVE_INFINITY,
          log,
          nameOf: shortId,
          onAccepted: (block) => {
            const hash = blockHash(block);
            // Blocks read back from the disk at start are there already.
            if (recovering) return;
            void store.putBlock(hash, block).catch((error: unknown) => {
              options.log(
                `[node][WARNING]: cannot store block #${block.header.index}: ${(error as Error).message}`,
              );
            });
            // A job this block finished: its model is kept on disk, to be downloaded.
            for (const job of participant.chain.stateOf(hash)?.jobs?.values() ?? [])
              if (job.finishedAt === block.header.index && job.checkpointSha256 !== null)
                void stages.keep(job.checkpointSha256, job.spec).catch(() => {});
          },
          onPooled: (transaction) =>
            void store.putTransaction(transactionHash(transaction), transaction).catch(() => {}),
        },
      });
      const node = new ChainNode({
        genesis,
        genesisHash: chain.state.hash,
        key,
        participant,
        network,
        store,
        stages,
        clock,
        metrics,
        options,
      });
      await node.#recover();
      recovering = false;
      await node.#join();
      return node;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Re-judges every stored block, parents first (re-executing its stage), then re-pools the stored transactions. */
  async #recover(): Promise<void> {
    let verified = 0;
    let dropped = 0;
    for await (const { hash, block } of this.store.blocks()) {
      const result = await this.participant.chain.add(block);
      if (result.outcome === 'accepted' || result.outcome === 'known') verified += 1;
      // Only a block judged invalid goes: one this node could not re-execute now stays for the next start.
      else if (result.outcome === 'refused' || result.outcome === 'dropped') {
        dropped += 1;
        await this.store.deleteBlock(hash, block.header.index);
        this.#options.log(
          `[node][WARNING]: drops stored block #${block.header.index} ${shortId(hash)}: ${result.outcome}`,
        );
      }
    }
    const tip = this.participant.chain.tip;
    if (verified + dropped > 0)
      this.#options.log(
        `[node][INFO]: re-verified ${verified} stored blocks (stages re-executed)${dropped > 0 ? `, dropped ${dropped}` : ''}; tip #${tip.index} ${shortId(tip.hash)}`,
      );
  }

  async #join(): Promise<void> {
    const { participant, network, metrics } = this;
    metrics.gauge(
      'proofgrid_node_tip_height',
      'Height of the best chain this node holds.',
      () => participant.chain.tip.index,
    );
    metrics.gauge('proofgrid_node_peers', 'Connected libp2p peers.', () => network.peers().length);
    metrics.gauge(
      'proofgrid_node_pending_transactions',
      'Transactions waiting for a block.',
      () => participant.chain.pool().length,
    );
    metrics.gauge(
      'proofgrid_node_banned_peers',
      'Peers dropped for invalid messages.',
      () => network.bannedPeers().length,
    );
    await network.attach({
      deliver: async (message, from) => {
        const startedAt = performance.now();
        const verdict = await participant.deliver(message, from);
        if (message.type === 'block')
          metrics.observe('proofgrid_block_verify_seconds', (performance.now() - startedAt) / 1000);
        return verdict;
      },
      blocksAfter: (hash, after) => this.blocksAfter(hash, after),
      knows: (hash) => participant.chain.stateOf(hash) !== undefined,
      tipIndex: () => participant.chain.tip.index,
      onVerdict: (kind, from, verdict) => this.#onVerdict(kind, from, verdict),
      onBan: (peerId) =>
        this.#options.log(`[node][WARNING]: drops peer ${peerId}: too many invalid messages`),
    });
    participant.start();
    for (const { hash, transaction } of await this.store.transactions()) {
      const pooled = participant.submitTransaction(transaction);
      if (!pooled.ok) await this.store.deleteTransaction(hash);
    }
    for (const peer of await this.store.peers()) {
      if (peer.url !== null)
        this.httpPeers.set(peer.url, { peerId: peer.peerId, multiaddrs: peer.multiaddrs });
      if (peer.peerId !== this.network.peerId) this.#known.set(peer.peerId, peer.multiaddrs);
      this.#dialQuietly(peer.multiaddrs);
    }
    this.#redialEvery(REDIAL_INTERVAL_MS);
  }

  /**
   * Peers that went away (restarted, partitioned) are dialled again, so the network heals by itself; and
   * one registered peer a round is asked for the peers it knows (CurveTime registers a node with one peer
   * only, so without this a node would never learn of those that joined elsewhere).
   */
  #redialEvery(periodMs: number, round = 0): void {
    this.#clock.after(periodMs, async () => {
      const urls = [...this.httpPeers.keys()];
      const url = urls[round % Math.max(1, urls.length)];
      if (url !== undefined) await this.#exchangePeers(url);
      const connected = new Set(this.network.peers().map((peer) => peer.peerId));
      for (const [peerId, multiaddrs] of this.#known)
        if (!connected.has(peerId) && !this.#stopped) await this.dialAny(multiaddrs);
      if (!this.#stopped) this.#redialEvery(periodMs, round + 1);
    });
  }

  async #exchangePeers(url: string): Promise<void> {
    try {
      const response = await fetch(`${url}/node/peers`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as {
        data?: { registered?: { url?: unknown; peerId?: unknown; multiaddrs?: unknown }[] };
      };
      for (const peer of (body.data?.registered ?? []).slice(0, PEERS_STORED_MAX)) {
        if (typeof peer.url !== 'string' || typeof peer.peerId !== 'string' || peer.peerId === '') continue;
        if (!Array.isArray(peer.multiaddrs) || !peer.multiaddrs.every((m) => typeof m === 'string')) continue;
        if (peer.peerId === this.network.peerId || this.#known.has(peer.peerId)) continue;
        await this.addPeer({
          url: peer.url,
          peerId: peer.peerId,
          multiaddrs: (peer.multiaddrs as string[]).slice(0, 16),
        });
      }
    } catch {
      // That peer is away: another is asked next round.
    }
  }

  #onVerdict(kind: string, from: string, verdict: Verdict): void {
    this.metrics.message(kind, verdict.verdict, verdict.verdict === 'reject' ? verdict.reason : '');
    if (verdict.verdict === 'reject')
      this.#options.log(`[node][INFO]: refuses a ${kind} from peer ${from}: ${verdict.reason}`);
  }

  /**
   * The blocks of the branch ending at `hash` from height `after + 1`, oldest first, at most a fetch's
   * worth (in count and in bytes).
   */
  blocksAfter(hash: string, after: number): WrappedBlock[] {
    const branch: WrappedBlock[] = [];
    for (
      let block = this.participant.chain.block(hash);
      block !== undefined && block.header.index > after;
    ) {
      branch.push(block);
      block = this.participant.chain.block(block.header.parentHash);
    }
    let bytes = 0;
    const answer: WrappedBlock[] = [];
    for (const block of branch.reverse().slice(0, BLOCKS_PER_FETCH_MAX)) {
      // Twice the characters bounds the UTF-8 bytes.
      bytes += JSON.stringify(block).length * 2;
      if (answer.length > 0 && bytes > FETCH_RESPONSE_BYTES_MAX / 2) break;
      answer.push(block);
    }
    return answer;
  }

  #dialQuietly(multiaddrs: string[]): void {
    this.dialAny(multiaddrs).catch(() => {});
  }

  /** Dials the first of a peer's multiaddrs that answers; its peer id or null. */
  async dialAny(multiaddrs: string[]): Promise<string | null> {
    for (const address of multiaddrs) {
      try {
        return await this.network.dial(address);
      } catch (error) {
        if (this.#options.verbose)
          this.#options.log(`[node][DEBUG]: cannot dial ${address}: ${(error as Error).message}`);
      }
    }
    return null;
  }

  /** CurveTime's `register_node`: a peer announces itself; it is remembered and dialled. */
  async addPeer(peer: StoredPeer): Promise<void> {
    if (!this.#known.has(peer.peerId) && this.#known.size >= KNOWN_PEERS_MAX) return;
    if (peer.url !== null) this.httpPeers.set(peer.url, { peerId: peer.peerId, multiaddrs: peer.multiaddrs });
    if (peer.peerId !== this.network.peerId) this.#known.set(peer.peerId, peer.multiaddrs);
    await this.store.putPeer(peer);
    this.#dialQuietly(peer.multiaddrs);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.participant.crash();
    this.#clock.stop();
    await this.network.stop().catch(() => {});
    await this.store.close();
  }
}
