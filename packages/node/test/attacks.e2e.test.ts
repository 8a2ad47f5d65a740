import '../src/polyfills.ts';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { noise } from '@chainsafe/libp2p-noise';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { sha256 } from '@noble/hashes/sha2.js';
import { createLibp2p } from 'libp2p';
import { Network } from './support/Network.ts';
import { api, type Status, status, waitFor } from './support/nodeProcess.ts';

type Full = Status & {
  genesis: string;
  networkId: string;
  multiaddrs: string[];
  messages: { accepted: number; rejected: number };
};

describe('attacks on a network of real nodes', () => {
  let net: Network;
  const honest = ['h1', 'h2', 'h3'];
  const poisoners = ['p1', 'p2'];

  before(async () => {
    net = new Network(await mkdtemp(join(tmpdir(), 'proofgrid-attacks-')));
    net.genesis([...honest, ...poisoners], [...honest, ...poisoners]);
    await net.start('h1');
    for (const name of ['h2', 'h3']) await net.start(name, ['--peer', net.node('h1').url]);
    for (const name of poisoners)
      await net.start(name, ['--poison', 'flip-labels', '--peer', net.node('h1').url]);
  });
  after(async () => {
    await net.stopAll();
    await rm(net.dir, { recursive: true, force: true });
  });

  it('poisoning nodes earn nothing and change nothing: what they mine is refused after re-execution', async () => {
    const start = (await status(net.node('h1'))).tip.index;
    await net.converge(honest, start + 5, 240_000);
    const chain = await net.mainChain('h2');
    const poisonerKeys = poisoners.map((name) => net.addresses.get(name));
    for (const block of chain) {
      assert.ok(!poisonerKeys.includes(block.author), `block #${block.index} is not a poisoner's`);
      assert.ok(
        !block.declarers.some((d) => poisonerKeys.includes(d)),
        `block #${block.index} counts no poisoned declaration`,
      );
    }
    for (const key of poisonerKeys) {
      const account = (await api(net.node('h1').url, `/node/accounts/${key}`)).body.data;
      assert.equal(account.balance, 1000 * 1_000_000, 'a poisoner holds exactly its genesis coins');
    }
    // The poisoners refuse the honest blocks (their re-execution differs), so they mine a branch of their
    // own; whatever of it reaches an honest node is refused after re-executing it.
    const refused = await waitFor(
      'a poisoned header or block refused by an honest node',
      async () => {
        for (const name of honest) {
          const metrics = await (await fetch(`${net.node(name).url}/metrics`)).text();
          if (
            /verdict="reject",reason="(header: its stage does not re-execute|block: re-executing its stage)/.test(
              metrics,
            )
          )
            return metrics;
        }
        return undefined;
      },
      240_000,
    );
    assert.match(refused, /kind="(header|block)",verdict="reject"/);
    for (const name of honest) assert.match(net.node(name).output(), /accepts block/);
  });

  it('malformed, oversized and badly signed messages are dropped, their sender scored down and dropped; a replay goes no further; no node stalls', async () => {
    const target = (await status(net.node('h1'))) as Full;
    const networkName = `${target.networkId}-${target.genesis.slice(0, 16)}`;
    const topic = (kind: string) => `/proofgrid/${networkName}/${kind}/1`;
    const attacker = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          msgIdFn: (m) => sha256(m.data),
          allowPublishToZeroTopicPeers: true,
          maxInboundDataLength: 2 * 1024 * 1024,
        }),
      },
    });
    try {
      const pubsub = attacker.services.pubsub as ReturnType<ReturnType<typeof gossipsub>>;
      const kinds = ['transaction', 'block', 'header', 'declaration'];
      for (const kind of kinds) pubsub.subscribe(topic(kind));
      await attacker.dial(multiaddr(target.multiaddrs[0] as string));
      await waitFor('the node subscribed, as the attacker sees it', async () =>
        kinds.every((kind) => pubsub.getSubscribers(topic(kind)).length > 0),
      );
      const before = target.messages.rejected;
      const chain = await net.mainChain('h1');
      const old = (await api(net.node('h1').url, '/node/blocks/1')).body.data.block;
      const bytes = (value: unknown) =>
        new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
      // A replayed block (valid, known): dropped without blame, and not relayed.
      await pubsub.publish(topic('block'), bytes({ type: 'block', block: old }));
      const invalid: [string, Uint8Array][] = [
        ['block', bytes('this is not JSON')],
        ['transaction', bytes({ type: 'transaction', transaction: { from: 1 } })],
        [
          'transaction',
          bytes({
            type: 'transaction',
            transaction: {
              from: 'aa'.repeat(32),
              to: 'bb'.repeat(32),
              amount: 5,
              fee: 0,
              nonce: 1,
              signature: 'cd'.repeat(64),
            },
          }),
        ],
        ['transaction', new Uint8Array(1024 * 1024 + 1000).fill(32)],
        [
          'header',
          bytes({
            type: 'header',
            header: { ...old.header, index: chain.length + 1, parentHash: chain.at(-1)?.hash },
          }),
        ],
        [
          'declaration',
          bytes({ type: 'declaration', declaration: { ...old.header.declarations[0], stageId: 'forged' } }),
        ],
      ];
      for (const [kind, data] of invalid) await pubsub.publish(topic(kind), data);
      const banned = await waitFor('the attacker scored down and dropped', async () => {
        const peers = (await api(net.node('h1').url, '/node/peers')).body.data as { banned: string[] };
        return peers.banned.includes(attacker.peerId.toString()) ? peers : undefined;
      });
      assert.ok(banned.banned.includes(attacker.peerId.toString()));
      const after = (await status(net.node('h1'))) as Full;
      assert.ok(
        after.messages.rejected >= before + 5,
        `${after.messages.rejected - before} messages rejected`,
      );
      assert.equal(
        attacker.getConnections().filter((c) => c.status === 'open').length,
        0,
        'the node hung up',
      );
      const metrics = await (await fetch(`${net.node('h1').url}/metrics`)).text();
      assert.match(metrics, /reason="it is larger than N bytes"/);
      assert.match(metrics, /reason="it is not a block message in JSON"/);
      assert.match(metrics, /reason="transaction: the signature is not the sender’s"/);
      // Nothing of it reached another node, and the honest chain goes on.
      for (const name of ['h2', 'h3']) {
        const other = (await status(net.node(name))) as Full;
        assert.equal(other.peers >= 2, true);
      }
      await net.converge(honest, after.tip.index + 2, 180_000);
    } finally {
      await attacker.stop();
    }
  });
});
