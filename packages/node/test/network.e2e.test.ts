import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { counted, Network } from './support/Network.ts';
import { api, type Status, status, waitFor } from './support/nodeProcess.ts';

describe('a network of five nodes on loopback', () => {
  let net: Network;
  const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
  let alice = '';
  const sent: string[] = [];

  before(async () => {
    net = new Network(await mkdtemp(join(tmpdir(), 'proofgrid-network-')));
    const wallet = net.cli(['wallet', 'create', '--json']);
    assert.equal(wallet.status, 0, wallet.stderr);
    alice = (JSON.parse(wallet.stdout) as { address: string }).address;
    net.genesis([...five, 'late'], five, [`${alice}=10`]);
  });
  after(async () => {
    await net.stopAll();
    await rm(net.dir, { recursive: true, force: true });
  });

  it('five nodes started one by one, each registering with the one before, converge on one chain', async () => {
    await net.start('n1');
    for (const [i, name] of five.slice(1).entries())
      await net.start(name, ['--peer', net.node(five[i] as string).url]);
    await net.converge(five, 3);
    // Each registered with one node; they learn of the others by asking their peers (every 5 s).
    await waitFor('a full mesh', async () => (await net.statuses(five)).every((s) => s.peers >= 4));
  });

  it('transfers sent to different nodes are mined once each, seen alike by every node', async () => {
    const bob = 'b0'.repeat(32);
    for (const name of ['n2', 'n4', 'n5']) {
      const result = net.cli([
        'wallet',
        'send',
        '--to',
        bob,
        '--amount',
        '1',
        '--fee',
        '0.1',
        '--wait',
        '--node',
        net.node(name).url,
        '--json',
      ]);
      assert.equal(result.status, 0, result.stderr);
      sent.push((JSON.parse(result.stdout) as { hash: string }).hash);
    }
    const statuses = await net.converge(five, (await status(net.node('n1'))).tip.index);
    const height = (statuses[0] as Status).tip.index;
    for (const name of five) {
      const chain = (await net.mainChain(name)).slice(0, height);
      for (const hash of sent) assert.equal(counted(chain, hash), 1, `${hash.slice(0, 8)} once on ${name}`);
      const account = (await api(net.node(name).url, `/node/accounts/${bob}`)).body.data;
      assert.equal(account.balance, 3_000_000, `bob's balance on ${name}`);
    }
    const wallet = JSON.parse(net.cli(['wallet', 'show', '--json', '--node', net.node('n3').url]).stdout);
    assert.equal(wallet.balance, 10_000_000 - 3 * 1_100_000, 'alice paid amounts and fees');
    assert.equal(wallet.nonce, 3);
  });

  it('a node killed with SIGKILL restarts, re-verifies what it stored and catches up', async () => {
    const victim = net.node('n3');
    const before = await status(victim);
    await victim.stop('SIGKILL');
    const others = five.filter((name) => name !== 'n3');
    await net.converge(others, before.tip.index + 3);
    const back = await net.start('n3');
    assert.match(back.output(), /re-verified \d+ stored blocks \(stages re-executed\)/);
    const statuses = await net.converge(five, before.tip.index + 4);
    assert.equal(new Set(statuses.map((s) => s.tip.hash)).size, 1);
  });

  it('a node started late syncs from genesis, re-executing every stage, and agrees', async () => {
    const late = await net.start('late', ['--no-train', '--peer', net.node('n1').url]);
    const [tip] = await net.converge(['n1', 'late'], (await status(net.node('n1'))).tip.index);
    const metrics = await (await fetch(`${late.url}/metrics`)).text();
    const trained = Number(/^proofgrid_stage_train_seconds_count (\d+)/m.exec(metrics)?.[1]);
    assert.ok(
      trained >= (tip as Status).tip.index,
      `re-executed ${trained} stages for ${(tip as Status).tip.index} blocks`,
    );
    const chain = await net.mainChain('late');
    assert.deepEqual(
      chain.map((b) => b.hash),
      (await net.mainChain('n1')).slice(0, chain.length).map((b) => b.hash),
    );
  });

  it('a partition grows two branches, then heals to one chain with no accepted transfer lost', async () => {
    const sideA = ['n1', 'n2', 'n3'];
    const sideB = ['n4', 'n5', 'late'];
    const ids = new Map(
      await Promise.all(
        [...sideA, ...sideB].map(async (name) => [name, (await status(net.node(name))).peerId] as const),
      ),
    );
    for (const a of sideA)
      for (const b of sideB) {
        await api(net.node(a).url, '/node/peers/block', { peer_id: ids.get(b) });
        await api(net.node(b).url, '/node/peers/block', { peer_id: ids.get(a) });
      }
    const split = (await status(net.node('n1'))).tip.index;
    // One transfer on each side of the partition.
    const carol = 'c0'.repeat(32);
    const onSide: string[] = [];
    for (const name of ['n1', 'n4']) {
      const result = net.cli([
        'wallet',
        'send',
        '--to',
        carol,
        '--amount',
        '0.5',
        '--fee',
        '0.01',
        '--node',
        net.node(name).url,
        '--json',
      ]);
      assert.equal(result.status, 0, result.stderr);
      onSide.push((JSON.parse(result.stdout) as { hash: string }).hash);
    }
    await waitFor(
      'both sides grow apart',
      async () => {
        const [a, b] = await net.statuses(['n1', 'n4']);
        return (
          (a as Status).tip.index >= split + 2 &&
          (b as Status).tip.index >= split + 2 &&
          (a as Status).tip.hash !== (b as Status).tip.hash
        );
      },
      180_000,
    );
    for (const a of sideA)
      for (const b of sideB) {
        await api(net.node(a).url, '/node/peers/unblock', { peer_id: ids.get(b) });
        await api(net.node(b).url, '/node/peers/unblock', { peer_id: ids.get(a) });
      }
    const everyone = [...sideA, ...sideB];
    const healed = await net.converge(everyone, split + 3, 180_000);
    const height = (healed[0] as Status).tip.index;
    // Both transfers were accepted by a node; whichever branch won, each is mined once (or, if the second
    // spends a nonce the first used, refused on the winning branch — never both).
    await waitFor(
      'both transfers settled on the winning chain',
      async () => {
        const chain = (await net.mainChain('n2')).slice(0, height + 5);
        const counts = onSide.map((hash) => counted(chain, hash));
        return counts.every((n) => n <= 1) && counts.reduce((x, y) => x + y, 0) >= 1 ? counts : undefined;
      },
      120_000,
    );
    const chain = await net.mainChain('n5');
    for (const hash of sent)
      assert.equal(counted(chain, hash), 1, `the earlier transfer ${hash.slice(0, 8)} is still there once`);
  });
});
