// Benchmark: the Proof-of-Training network on loopback, real `proofgrid node` processes. Prints block
// propagation (p50/p99, from the wrapper's log line to each node's acceptance) with 5 and 11 nodes, sync
// from genesis (blocks per second: a new node over libp2p re-executing every stage; and the same blocks
// judged in-process with and without re-execution), a node's memory, and the time 5 nodes take to train a
// 100-stage job.
//
//   npm run build && npm run bench:chain
//   npm run bench:chain -- --blocks 20 --job-stages 20      (a quicker run)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChainStore, type WrappedBlock } from '@proofgrid/chain';
import { DEFAULT_TRAINING_SPEC } from '@proofgrid/core';
import { chainOfGenesis, parseGenesis } from '@proofgrid/node';
import { StageCache } from '@proofgrid/runtime/train';
import { type CliProcess, launchCli } from './support/cliProcess.ts';

const { values: flags } = parseArgs({
  options: { blocks: { type: 'string', default: '40' }, 'job-stages': { type: 'string', default: '100' } },
});
const BLOCKS = Number(flags.blocks);
const JOB_STAGES = Number(flags['job-stages']);
const CLI = new URL('../packages/cli/bin/proofgrid.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ??
  Number.NaN;

type Node = { name: string; url: string; process: CliProcess; port: number };

async function json<T>(url: string): Promise<T> {
  return ((await (await fetch(url)).json()) as { data: T }).data;
}

/** A network of `count` staked nodes (plus a funded wallet) from a genesis made with the CLI. */
async function network(dir: string, count: number) {
  const env = {
    ...process.env,
    PROOFGRID_CONFIG_DIR: join(dir, 'config'),
    PROOFGRID_WALLET_PASSPHRASE: 'bench passphrase',
  };
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout;
  };
  const wallet = JSON.parse(cli(['wallet', 'create', '--json'])).address as string;
  const allocations = Array.from({ length: count }, (_, i) => {
    const key = JSON.parse(cli(['node', 'key', '--data-dir', join(dir, `n${i}`), '--json']))
      .address as string;
    return ['--allocate', `${key}=1000`];
  }).flat();
  const genesisPath = join(dir, 'genesis.json');
  cli([
    'node',
    'genesis',
    '--network-id',
    'bench',
    '--employer-confidence',
    '2',
    '--stakeholders',
    '1',
    '--try-interval-ms',
    '250',
    ...allocations,
    '--allocate',
    `${wallet}=1`,
    '--out',
    genesisPath,
  ]);
  const nodes: Node[] = [];
  const start = async (name: string, extra: string[]) => {
    const port = 18_000 + nodes.length * 2 + count * 100;
    const started = launchCli([
      'node',
      'start',
      '--port',
      String(port),
      '--p2p-port',
      String(port + 1),
      '--data-dir',
      join(dir, name),
      '--genesis',
      genesisPath,
      ...extra,
    ]);
    while (!started.output().includes('listening on')) await sleep(50);
    const node = { name, url: `http://127.0.0.1:${port}`, process: started, port };
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < count; i++) await start(`n${i}`, i === 0 ? [] : ['--peer', (nodes[0] as Node).url]);
  return { nodes, cli, start, genesisPath };
}

type Tip = { index: number; hash: string };
const tip = async (node: Node) => (await json<{ tip: Tip }>(`${node.url}/node/status`)).tip;

/** Block propagation from each node's log: wrapper's "wraps block #k H" to every "accepts block #k H". */
function propagation(nodes: Node[], fromIndex: number): number[] {
  const time = (line: string) => {
    const [h, m, s] = (line.slice(1, 13).split(':') as [string, string, string]).map(Number) as [
      number,
      number,
      number,
    ];
    return ((h * 60 + m) * 60 + s) * 1000;
  };
  const wrapped = new Map<string, number>();
  const accepted: [string, number][] = [];
  for (const node of nodes) {
    const own = new Set<string>();
    for (const line of node.process.output().split('\n')) {
      const wrap = / wraps block #(\d+) ([0-9a-f]{8})/.exec(line);
      if (wrap !== null && Number(wrap[1]) > fromIndex) {
        wrapped.set(wrap[2] as string, time(line));
        own.add(wrap[2] as string);
      }
      const accept = / accepts block #(\d+) ([0-9a-f]{8})/.exec(line);
      // The wrapper's own acceptance is not a delivery.
      if (accept !== null && Number(accept[1]) > fromIndex && !own.has(accept[2] as string))
        accepted.push([accept[2] as string, time(line)]);
    }
  }
  return accepted.flatMap(([hash, at]) => {
    const from = wrapped.get(hash);
    return from === undefined ? [] : [at - from];
  });
}

async function propagationRun(count: number) {
  const dir = mkdtempSync(join(tmpdir(), `proofgrid-bench-chain-${count}-`));
  const net = await network(dir, count);
  try {
    while ((await tip(net.nodes[0] as Node)).index < 2) await sleep(250);
    const from = (await tip(net.nodes[0] as Node)).index;
    const startedMs = performance.now();
    while ((await tip(net.nodes[0] as Node)).index < from + BLOCKS) await sleep(250);
    const seconds = (performance.now() - startedMs) / 1000;
    const delays = propagation(net.nodes, from);
    const rss =
      Number(
        /VmRSS:\s+(\d+)/.exec(
          readFileSync(`/proc/${(net.nodes[0] as Node).process.pid}/status`, 'utf8'),
        )?.[1],
      ) / 1024;
    console.log(
      `${count} nodes: ${BLOCKS} blocks in ${seconds.toFixed(1)} s (${(BLOCKS / seconds).toFixed(2)} blocks/s); propagation p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms over ${delays.length} deliveries; node RSS ${rss.toFixed(0)} MiB at height ${(await tip(net.nodes[0] as Node)).index}`,
    );
    return { net, dir };
  } catch (error) {
    await Promise.all(net.nodes.map((n) => n.process.stop()));
    throw error;
  }
}

// 1. Propagation with 11 nodes, then 5 (whose network the rest of the benchmark goes on with).
{
  const { net, dir } = await propagationRun(11);
  await Promise.all(net.nodes.map((n) => n.process.stop()));
  rmSync(dir, { recursive: true, force: true });
}
const { net, dir } = await propagationRun(5);
try {
  const first = net.nodes[0] as Node;
  // 2. A 100-stage job on the 5 nodes.
  const spec = join(dir, 'job.json');
  writeFileSync(spec, JSON.stringify({ ...DEFAULT_TRAINING_SPEC, stages: JOB_STAGES }));
  const submitted = JSON.parse(
    net.cli(['train', 'submit', '--spec', spec, '--fee', '0.001', '--wait', '--json', '--node', first.url]),
  );
  const jobStartedMs = performance.now();
  for (;;) {
    const job = await json<{ stagesDone: number; status: string }>(`${first.url}/node/jobs/${submitted.job}`);
    if (job.status === 'finished') break;
    await sleep(500);
  }
  const jobSeconds = (performance.now() - jobStartedMs) / 1000;
  console.log(
    `a ${JOB_STAGES}-stage job on 5 nodes: trained in ${jobSeconds.toFixed(1)} s (${(jobSeconds / JOB_STAGES).toFixed(2)} s a stage, a block each)`,
  );

  // 3. Sync from genesis: a new node over libp2p, re-executing every stage.
  const target = await tip(first);
  const syncStartedMs = performance.now();
  const late = await net.start('late', ['--no-train', '--peer', first.url]);
  while ((await tip(late).catch(() => ({ index: 0 }))).index < target.index) await sleep(100);
  const syncSeconds = (performance.now() - syncStartedMs) / 1000;
  const lateRss =
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${late.process.pid}/status`, 'utf8'))?.[1]) / 1024;
  console.log(
    `sync from genesis over libp2p (re-executing every stage, 5 nodes mining meanwhile): ${target.index} blocks in ${syncSeconds.toFixed(1)} s = ${(target.index / syncSeconds).toFixed(1)} blocks/s; the new node's RSS ${lateRss.toFixed(0)} MiB`,
  );

  // 4. The same blocks judged in-process, with and without re-executing the stages.
  const blocks: WrappedBlock[] = [];
  for (let from = 1; from <= target.index; from += 100)
    blocks.push(
      ...(await json<{ block: WrappedBlock }[]>(`${first.url}/node/blocks?from=${from}&limit=100`)).map(
        (b) => b.block,
      ),
    );
  await Promise.all(net.nodes.map((n) => n.process.stop()));
  const genesis = parseGenesis(JSON.parse(readFileSync(net.genesisPath, 'utf8')));
  for (const reexecute of [false, true]) {
    const stages = await StageCache.create(genesis.training);
    const jobStages = await StageCache.create({ ...DEFAULT_TRAINING_SPEC, stages: JOB_STAGES });
    const chain = chainOfGenesis(genesis, stages.initialSha256);
    const store = new ChainStore({
      genesis: chain.state,
      config: chain.config,
      replay: async (stage) => {
        const block = blocks.find((b) => b.header.stageId === stage.stageId);
        if (!reexecute && block !== undefined)
          return {
            trainingSecret: block.header.trainingSecret,
            checkpointSha256: block.header.checkpointSha256,
          };
        const cache = stage.spec === undefined ? stages : jobStages;
        const parent =
          stage.parentCheckpointSha256 === 'initial' ? cache.initialSha256 : stage.parentCheckpointSha256;
        return cache.train({ parentCheckpointSha256: parent, poisoned: false });
      },
    });
    const startedMs = performance.now();
    for (const block of blocks) {
      const result = await store.add(block);
      if (result.outcome !== 'accepted') throw new Error(`block #${block.header.index}: ${result.outcome}`);
    }
    const seconds = (performance.now() - startedMs) / 1000;
    console.log(
      `judging ${blocks.length} blocks in-process ${reexecute ? 'with' : 'without'} re-executing stages: ${(blocks.length / seconds).toFixed(1)} blocks/s`,
    );
  }
} finally {
  await Promise.all(net.nodes.map((n) => n.process.stop()));
  rmSync(dir, { recursive: true, force: true });
}
