import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, CLI, type NodeProcess, startNodeProcess, status, waitFor } from './support/nodeProcess.ts';

/**
 * The CurveTime README's scenario, its curl requests sent unchanged (the same URLs, headers and bodies), on
 * the embedded dev network (ports 8000–8002 mine with the dev keys).
 */
describe("CurveTime's README against `proofgrid node start`", () => {
  let dir: string;
  const nodes: NodeProcess[] = [];
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PROOFGRID_CONFIG_DIR: join(dir, 'config'),
        PROOFGRID_WALLET_PASSPHRASE: 'correct horse battery',
        ...env,
      },
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proofgrid-curvetime-'));
    for (const i of [0, 1, 2])
      nodes.push(
        await startNodeProcess([], { port: 8000 + i, p2pPort: 9000 + i, dataDir: join(dir, `node${i}`) }),
      );
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('registers 8001 and 8002 with 8000 and all three hold one chain that grows', async () => {
    for (const port of [8001, 8002]) {
      // curl -X POST http://127.0.0.1:800x/register_with -H 'Content-Type: application/json' -d '{"node_address": "http://127.0.0.1:8000"}'
      const response = await fetch(`http://127.0.0.1:${port}/register_with`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"node_address": "http://127.0.0.1:8000"}',
      });
      const body = (await response.json()) as { code: number; msg: string; data: { peers: string[] } };
      assert.equal(response.status, 200);
      assert.equal(body.code, 200);
      assert.ok(body.data.peers.includes('http://127.0.0.1:8000'));
    }
    // curl -X GET http://localhost:8001/node/chain (and 8002): the same chain, past a few blocks.
    const chains = await waitFor(
      'three nodes on one chain of at least 4 blocks',
      async () => {
        const all = await Promise.all(
          [8000, 8001, 8002].map(
            async (port) =>
              (
                await api<{ length: number; chain: string[]; peers: string[] }>(
                  `http://localhost:${port}`,
                  '/node/chain',
                )
              ).body.data,
          ),
        );
        const shortest = Math.min(...all.map((c) => c.length));
        if (shortest < 5) return undefined;
        const prefix = (c: { chain: string[] }) => c.chain.slice(0, shortest - 1).join();
        return all.every((c) => prefix(c) === prefix(all[0] as { chain: string[] })) ? all : undefined;
      },
      90_000,
    );
    assert.ok(
      chains.every((c) => c.chain.length === c.length && c.chain.every((h) => /^[0-9a-f]{64}$/.test(h))),
    );
    assert.deepEqual((await api('http://localhost:8000', '/node/chain')).body.data.peers.sort(), [
      'http://127.0.0.1:8001',
      'http://127.0.0.1:8002',
    ]);
  });

  it('answers in the envelope: no transactions to mine (10000), a bad transaction (400), an unknown hash (404), a bad block (400)', async () => {
    const mine = await api('http://localhost:8000', '/node/mine');
    assert.equal(mine.body.code, 10000);
    assert.equal(mine.body.msg, 'No transactions to mine');
    const bad = await api('http://localhost:8000', '/node/transaction', {
      author: 'alice',
      content: 'hello',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 400);
    assert.equal(bad.body.data, null);
    assert.match(bad.body.msg, /invalid/);
    const unknown = await api('http://localhost:8000', `/node/transaction?hash=${'ab'.repeat(32)}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'CHAIN_OBJECT_NOT_FOUND');
    const block = (await api('http://localhost:8000', '/node/blocks/1')).body.data as {
      hash: string;
      block: { header: { index: number } };
    };
    const forged = { ...block.block, header: { ...block.block.header, index: 7 } };
    const refused = await api('http://localhost:8001', '/node/add_block', {
      hash: block.hash,
      block: forged,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'BLOCK_REFUSED');
    const known = await api('http://localhost:8001', '/node/add_block', {
      hash: block.hash,
      block: block.block,
    });
    assert.equal(known.body.code, 200);
    assert.equal(known.body.msg, 'Already known');
  });

  it('mines a wallet transfer sent to one node exactly once, and every node shows it', async () => {
    assert.equal(cli(['wallet', 'create', '--dev-key', '0']).status, 0);
    const bob = JSON.parse(cli(['wallet', 'create', '--wallet', join(dir, 'bob.json'), '--json']).stdout) as {
      address: string;
    };
    const sent = cli([
      'wallet',
      'send',
      '--to',
      bob.address,
      '--amount',
      '2.5',
      '--fee',
      '0.01',
      '--wait',
      '--node',
      'http://127.0.0.1:8001',
      '--json',
    ]);
    assert.equal(sent.status, 0, sent.stderr);
    const { hash, block } = JSON.parse(sent.stdout) as {
      hash: string;
      block: { index: number; hash: string };
    };
    assert.ok(block.index >= 1);
    for (const port of [8000, 8002]) {
      const shown = await waitFor('the transfer confirmed on every node', async () => {
        const found = await api(`http://127.0.0.1:${port}`, `/node/transactions/${hash}`);
        return found.body.data?.status === 'confirmed' ? found.body.data : undefined;
      });
      assert.equal(shown.block.hash, block.hash);
    }
    const chain = (await api('http://127.0.0.1:8002', '/node/blocks?from=1&limit=100')).body.data as {
      transactions: { hash: string }[];
    }[];
    assert.equal(chain.flatMap((b) => b.transactions).filter((t) => t.hash === hash).length, 1, 'mined once');
    const show = cli([
      'wallet',
      'show',
      '--wallet',
      join(dir, 'bob.json'),
      '--node',
      'http://127.0.0.1:8002',
      '--json',
    ]);
    assert.equal(JSON.parse(show.stdout).balance, 2_500_000);
    const txShow = cli(['tx', 'show', hash]);
    assert.match(txShow.stdout, new RegExp(`confirmed in block #${block.index}`));
    // The same transfer again (a replay) is refused with why; a wrong passphrase moves nothing.
    const replay = await api(
      'http://127.0.0.1:8000',
      '/node/transaction',
      (await api('http://127.0.0.1:8000', `/node/transactions/${hash}`)).body.data.transaction,
    );
    assert.equal(replay.status, 400);
    assert.match(replay.body.msg, /nonce 1 is used already|already in a block/);
    const wrong = cli(['wallet', 'send', '--to', bob.address, '--amount', '1'], {
      PROOFGRID_WALLET_PASSPHRASE: 'not the passphrase',
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /WALLET_PASSPHRASE_WRONG/);
  });

  it('trains a job submitted through the CLI to its end; the downloaded model matches the chain and its accuracy is printed', async () => {
    const spec = {
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'sparse_categorical_crossentropy',
      seed: 7,
      dataset: 'mnist',
      samplesPerStage: 20,
      stages: 6,
    };
    await writeFile(join(dir, 'job.json'), JSON.stringify(spec));
    const submitted = cli([
      'train',
      'submit',
      '--spec',
      join(dir, 'job.json'),
      '--reward',
      '6',
      '--wait',
      '--json',
    ]);
    assert.equal(submitted.status, 0, submitted.stderr);
    const { job } = JSON.parse(submitted.stdout) as { job: string };
    const watched = cli(['train', 'status', job, '--watch', '--node', 'http://127.0.0.1:8002', '--json']);
    assert.equal(watched.status, 0, watched.stderr);
    const status = JSON.parse(watched.stdout) as {
      status: string;
      stagesDone: number;
      paid: number;
      checkpointSha256: string;
      testAccuracy: number;
    };
    assert.equal(status.status, 'finished');
    assert.equal(status.stagesDone, 6);
    assert.equal(status.paid, 6_000_000, 'the whole reward went to the miners');
    assert.ok(status.testAccuracy > 0.3, `accuracy ${status.testAccuracy}`);
    // The job's stages were the network's mining work: six blocks in a row trained them.
    const blocks = (await api('http://127.0.0.1:8000', '/node/blocks?from=1&limit=100')).body.data as {
      stageId: string;
    }[];
    assert.equal(blocks.filter((b) => b.stageId.startsWith(`${job}:`)).length, 6);
    const download = cli([
      'train',
      'download',
      job,
      '--out',
      join(dir, 'model'),
      '--node',
      'http://127.0.0.1:8001',
    ]);
    assert.equal(download.status, 0, download.stderr);
    assert.match(download.stdout, new RegExp(`checkpoint ${status.checkpointSha256} matches the chain`));
    assert.match(download.stdout, /test accuracy \d+\.\d\d% on MNIST's 10,000 test images/);
    const bytes = await readFile(join(dir, 'model', 'model.ckpt'));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), status.checkpointSha256);
  });

  it('puts a commitment (a label and a hash) on chain', async () => {
    const hash = createHash('sha256').update('a receipts root').digest('hex');
    const committed = cli(['chain', 'commit', '--label', 'hub.receipts', '--hash', hash, '--wait', '--json']);
    assert.equal(committed.status, 0, committed.stderr);
    const { transaction } = JSON.parse(committed.stdout) as { transaction: string };
    const found = (await api('http://127.0.0.1:8002', `/node/transactions/${transaction}`)).body.data;
    assert.equal(found.transaction.kind, 'commitment');
    assert.equal(found.transaction.hash, hash);
    assert.match(cli(['tx', 'show', transaction]).stdout, /commits "hub\.receipts"/);
  });

  it('serves its status, /health, Prometheus metrics and an OpenAPI document', async () => {
    const s = await status(nodes[0] as NodeProcess);
    assert.ok(s.peers >= 2);
    assert.equal((await api('http://127.0.0.1:8000', '/health')).body.data.status, 'ok');
    const metrics = await (await fetch('http://127.0.0.1:8000/metrics')).text();
    for (const name of [
      'proofgrid_node_tip_height',
      'proofgrid_node_peers',
      'proofgrid_node_messages_total',
      'proofgrid_stage_train_seconds_count',
      'proofgrid_block_verify_seconds_count',
    ])
      assert.match(metrics, new RegExp(`^${name}`, 'm'));
    const openapi = (await (await fetch('http://127.0.0.1:8000/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/node/chain',
      '/node/transaction',
      '/register_with',
      '/node/add_block',
      '/node/accounts/{address}',
      '/node/blocks/{id}',
    ])
      assert.ok(path in openapi.paths, path);
  });

  it('stops cleanly on SIGINT, and comes back re-verifying what it stored', async () => {
    const node = nodes[2] as NodeProcess;
    const before = await status(node);
    assert.equal(await node.stop('SIGINT'), 0);
    assert.match(node.output(), /node stopped\./);
    nodes[2] = await startNodeProcess([], { port: 8002, p2pPort: 9002, dataDir: node.dataDir });
    const restarted = nodes[2] as NodeProcess;
    assert.match(restarted.output(), /re-verified \d+ stored blocks/);
    const after = await status(restarted);
    assert.ok(after.tip.index >= before.tip.index);
  });
});
