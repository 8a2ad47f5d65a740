import '../polyfills.ts';
import { noise } from '@chainsafe/libp2p-noise';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { gossipsub, StrictNoSign, TopicValidatorResult } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Message, Transport, Verdict, WrappedBlock } from '@proofgrid/chain';
import { createLibp2p, type Libp2p } from 'libp2p';
import { PeerScores } from './PeerScores.ts';

/** A gossiped message's size, at most: a full block (1,000 transfers, 64 declarations) is under half. */
export const MESSAGE_BYTES_MAX = 1024 * 1024;
/** Blocks one fetch returns, at most. */
export const BLOCKS_PER_FETCH_MAX = 64;
/** A fetch's answer, at most. */
export const FETCH_RESPONSE_BYTES_MAX = 16 * 1024 * 1024;
/** A peer has this long to answer a fetch. */
const FETCH_TIMEOUT_MS = 10_000;

/** The gossip topics: one per kind of PoT message (statuses too: how peers behind learn of a tip). */
const KINDS = ['transaction', 'declaration', 'header', 'signature', 'block', 'status'] as const;
type Kind = (typeof KINDS)[number];

/** What the node lends its network: the protocol's judgement and the chain's blocks. */
export type NetworkHandlers = {
  /** Judges (and acts on) a message from a peer. */
  deliver: (message: Message, from: string) => Promise<Verdict>;
  /** Up to `BLOCKS_PER_FETCH_MAX` blocks of the branch ending at `hash`, from height `after + 1`, oldest first. */
  blocksAfter: (hash: string, after: number) => WrappedBlock[];
  knows: (hash: string) => boolean;
  tipIndex: () => number;
  /** Told of each message's verdict, for the metrics and the log. */
  onVerdict: (kind: string, from: string, verdict: Verdict) => void;
  onBan: (peerId: string) => void;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The node's peer-to-peer side, on js-libp2p: TCP, Noise, Yamux and identify; gossipsub carries the
 * protocol's broadcasts (one topic per kind, named by the network's genesis), and a request-response
 * protocol fetches the blocks a node lacks. Every message is judged by the protocol before gossipsub
 * forwards it (its topic validator awaits the verdict), so an invalid one goes no further than this node,
 * and its sender loses standing (`PeerScores`) until it is dropped.
 */
type Host = Libp2p<{ pubsub: ReturnType<ReturnType<typeof gossipsub>> }>;

export class PeerNetwork implements Transport<Message> {
  readonly #libp2p: Host;
  readonly #topics: Record<Kind, string>;
  readonly #fetchProtocol: string;
  readonly #scores: PeerScores;
  /** Payloads that came in by gossip: gossipsub relays them once accepted, so they are not published again. */
  readonly #fromGossip = new WeakSet<object>();
  /** Block fetches under way, by peer: one at a time each. */
  readonly #fetching = new Set<string>();
  #handlers: NetworkHandlers | null = null;

  private constructor(libp2p: Host, networkName: string, scores: PeerScores) {
    this.#libp2p = libp2p;
    this.#scores = scores;
    this.#topics = Object.fromEntries(
      KINDS.map((kind) => [kind, `/proofgrid/${networkName}/${kind}/1`]),
    ) as Record<Kind, string>;
    this.#fetchProtocol = `/proofgrid/${networkName}/blocks/1.0.0`;
  }

  /**
   * Listens on `host:port` (TCP) with the libp2p identity derived from `seed` (the node's Ed25519 key, so
   * its peer id names its chain key). Nothing is delivered until `attach`.
   */
  static async create({
    seed,
    host,
    port,
    networkName,
  }: {
    seed: Uint8Array;
    host: string;
    port: number;
    networkName: string;
  }): Promise<PeerNetwork> {
    const scores = new PeerScores(() => Date.now());
    const privateKey = await generateKeyPairFromSeed('Ed25519', seed);
    const libp2p = await createLibp2p({
      privateKey,
      addresses: { listen: [`/ip4/${host}/tcp/${port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: {
        // Loopback and private addresses are where test networks and LANs live: allowed.
        denyDialMultiaddr: async () => false,
        denyDialPeer: async (peerId) => scores.banned(peerId.toString()),
        denyInboundEncryptedConnection: async (peerId) => scores.banned(peerId.toString()),
      },
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          // A message is named by its bytes: the same declaration from two peers is one message.
          msgIdFn: (message) => sha256(message.data),
          allowPublishToZeroTopicPeers: true,
          // Seen for a second only: a node repeats its declaration and status every few seconds for peers that
          // joined since, and those repeats are the same bytes. Loops are still cut: the protocol ignores (and
          // so does not relay) what it has judged before.
          seenTTL: 1_000,
          ignoreDuplicatePublishError: true,
          emitSelf: false,
          fallbackToFloodsub: false,
          maxInboundDataLength: MESSAGE_BYTES_MAX + 64 * 1024,
        }),
      },
    });
    return new PeerNetwork(libp2p as unknown as Host, networkName, scores);
  }

  get peerId(): string {
    return this.#libp2p.peerId.toString();
  }

  get multiaddrs(): string[] {
    return this.#libp2p.getMultiaddrs().map((address) => address.toString());
  }

  /** Starts judging and serving: subscribes the topics, validates what arrives, answers block fetches. */
  async attach(handlers: NetworkHandlers): Promise<void> {
    this.#handlers = handlers;
    const pubsub = this.#libp2p.services.pubsub;
    for (const kind of KINDS) {
      pubsub.topicValidators.set(this.#topics[kind], async (peer, message) =>
        this.#validate(kind, peer.toString(), message.data),
      );
      pubsub.subscribe(this.#topics[kind]);
    }
    await this.#libp2p.handle(this.#fetchProtocol, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 4096 });
      try {
        const request = JSON.parse(decoder.decode((await lp.read()).subarray())) as {
          hash?: unknown;
          after?: unknown;
        };
        const blocks =
          typeof request.hash === 'string' && Number.isSafeInteger(request.after)
            ? handlers.blocksAfter(request.hash, request.after as number)
            : [];
        await lp.write(encoder.encode(JSON.stringify({ blocks })));
        await stream.close();
      } catch {
        stream.abort(new Error('bad block request'));
      }
    });
  }

  async #validate(kind: Kind, from: string, data: Uint8Array): Promise<TopicValidatorResult> {
    const handlers = this.#handlers;
    if (handlers === null) return TopicValidatorResult.Ignore;
    if (this.#scores.banned(from)) return TopicValidatorResult.Reject;
    let verdict: Verdict;
    if (data.length > MESSAGE_BYTES_MAX)
      verdict = { verdict: 'reject', reason: `it is larger than ${MESSAGE_BYTES_MAX} bytes` };
    else {
      let message: Message | null = null;
      try {
        message = JSON.parse(decoder.decode(data)) as Message;
      } catch {
        message = null;
      }
      if (message === null || typeof message !== 'object' || message.type !== kind)
        verdict = { verdict: 'reject', reason: `it is not a ${kind} message in JSON` };
      else {
        const payload = (message as Record<string, unknown>)[kind];
        if (typeof payload === 'object' && payload !== null) this.#fromGossip.add(payload);
        verdict = await handlers.deliver(message, from);
      }
    }
    handlers.onVerdict(kind, from, verdict);
    if (verdict.verdict === 'reject') {
      if (this.#scores.reject(from)) {
        handlers.onBan(from);
        await this.#libp2p.hangUp(peerIdFromString(from)).catch(() => {});
      }
      return TopicValidatorResult.Reject;
    }
    return verdict.verdict === 'accept' ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
  }

  broadcast(_from: string, message: Message): void {
    if (message.type === 'getBlock') return;
    const payload = (message as Record<string, unknown>)[message.type];
    // Relayed by gossipsub itself once this node's validator accepted it.
    if (typeof payload === 'object' && payload !== null && this.#fromGossip.has(payload)) return;
    this.#libp2p.services.pubsub
      .publish(this.#topics[message.type], encoder.encode(JSON.stringify(message)))
      .catch(() => {});
  }

  /** Point to point: a request for the blocks from this node's tip to `hash`, delivered oldest first. */
  send(_from: string, to: string, message: Message): void {
    if (message.type !== 'getBlock') return;
    void this.#sync(to, message.hash);
  }

  async #sync(peer: string, hash: string): Promise<void> {
    const handlers = this.#handlers;
    if (handlers === null || this.#fetching.has(peer) || peer === this.peerId) return;
    this.#fetching.add(peer);
    try {
      let after = handlers.tipIndex();
      for (let round = 0; round < 100_000 && !handlers.knows(hash); round += 1) {
        const blocks = await this.#fetch(peer, hash, after);
        const first = blocks[0];
        if (first === undefined) return;
        if (!handlers.knows(first.header.parentHash)) {
          // The peer's branch leaves this node's below `after`: look further back.
          if (after === 0) return;
          after = Math.max(0, after - BLOCKS_PER_FETCH_MAX);
          continue;
        }
        const tipBefore = handlers.tipIndex();
        let accepted = 0;
        for (const block of blocks) {
          const verdict = await handlers.deliver({ type: 'block', block }, peer);
          handlers.onVerdict('block', peer, verdict);
          if (verdict.verdict === 'reject') {
            if (this.#scores.reject(peer)) handlers.onBan(peer);
            return;
          }
          if (verdict.verdict === 'accept') accepted += 1;
        }
        // An answer that moves nothing (known blocks, or blocks this node cannot judge now) ends the sync:
        // the peer's next status starts another.
        if (accepted === 0 && handlers.tipIndex() === tipBefore) return;
        after = (blocks.at(-1) as WrappedBlock).header.index;
      }
    } catch {
      // The peer went away or answered nonsense: its next status brings the blocks again.
    } finally {
      this.#fetching.delete(peer);
    }
  }

  async #fetch(peer: string, hash: string, after: number): Promise<WrappedBlock[]> {
    // A timer of our own, cleared when done: a signal that fires later would tear down the connection the
    // dial opened with it.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error('the peer did not answer in time')),
      FETCH_TIMEOUT_MS,
    );
    const { signal } = controller;
    try {
      const stream = await this.#libp2p.dialProtocol(peerIdFromString(peer), this.#fetchProtocol, { signal });
      const lp = lpStream(stream, { maxDataLength: FETCH_RESPONSE_BYTES_MAX });
      await lp.write(encoder.encode(JSON.stringify({ hash, after })), { signal });
      const answer = JSON.parse(decoder.decode((await lp.read({ signal })).subarray())) as {
        blocks?: unknown;
      };
      await stream.close().catch(() => {});
      if (!Array.isArray(answer.blocks)) return [];
      return answer.blocks.slice(0, BLOCKS_PER_FETCH_MAX) as WrappedBlock[];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Dials a peer by one of its multiaddrs; its peer id, or why not. */
  async dial(address: string): Promise<string> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('no answer in 10 s')), 10_000);
    try {
      const connection = await this.#libp2p.dial(multiaddr(address), { signal: controller.signal });
      return connection.remotePeer.toString();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connected peers with their addresses and standing. */
  peers(): { peerId: string; multiaddrs: string[]; score: number | null }[] {
    const byPeer = new Map<string, string[]>();
    for (const connection of this.#libp2p.getConnections()) {
      const id = connection.remotePeer.toString();
      byPeer.set(id, [...(byPeer.get(id) ?? []), connection.remoteAddr.toString()]);
    }
    return [...byPeer].map(([peerId, multiaddrs]) => ({
      peerId,
      multiaddrs,
      score: this.#scores.score(peerId),
    }));
  }

  /** Drops a peer and refuses it until `unblock` (an operator's decision, or a partition in a test). */
  async block(peerId: string): Promise<void> {
    this.#scores.block(peerId);
    await this.#libp2p.hangUp(peerIdFromString(peerId)).catch(() => {});
  }

  unblock(peerId: string): void {
    this.#scores.unblock(peerId);
  }

  bannedPeers(): string[] {
    return this.#scores.bannedPeers();
  }

  async stop(): Promise<void> {
    this.#handlers = null;
    await this.#libp2p.stop();
  }
}
