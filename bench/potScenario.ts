// Benchmark: seed 003's scenario on the simulator (11 nodes, 10 users, 100 transfers, length 6) — wall time
// at the seed's lottery stakes and with a fast lottery, a node's memory for its chain, and bytes per block.
// `npm run bench:pot` runs the stage benchmark (train and re-verify) first, then this.
//
//   npm run bench:pot
//   npm run bench:pot -- --runs 10 --long 100
import { parseArgs } from 'node:util';
import { ChainStore, createSimulation, SIMULATION_DEFAULTS, type SimulationOptions } from '@proofgrid/chain';
import { DEFAULT_TRAINING_SPEC, encodeCheckpoint, StageCache } from '@proofgrid/runtime/train';

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, long: { type: 'string', default: '50' } },
});
const RUNS = Number(flags.runs);
const LONG = Number(flags.long);
const FAST = 2n ** 255n;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:pot does)');

async function scenario(seed: string, options: Partial<SimulationOptions> = {}) {
  // A fresh cache per run: every stage of the run is trained (once) within its wall time.
  const stages = await StageCache.create(DEFAULT_TRAINING_SPEC);
  const startedMs = performance.now();
  const sim = createSimulation({
    seed,
    trainer: (stage) => stages.train(stage),
    initialCheckpointSha256: stages.initialSha256,
    ...options,
  });
  const report = await sim.run();
  if (!report.agreement) throw new Error(`seed ${seed}: the honest nodes did not agree`);
  return { report, wallMs: performance.now() - startedMs, stages, sim };
}

for (const [label, options] of [
  ['seed stakes (TD 2^252, BH 2^251)', {}],
  ['fast lottery (2^255)', { tdCoinstake: FAST, bhCoinstake: FAST }],
] as const) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await scenario(String(i + 1), options));
  console.log(
    `${label}: to length ${SIMULATION_DEFAULTS.targetLength} in ${(median(runs.map((r) => r.wallMs)) / 1000).toFixed(2)} s wall (median of ${RUNS} seeds; ${(median(runs.map((r) => r.report.timeMs)) / 1000).toFixed(1)} s simulated, ${median(runs.map((r) => r.report.messages.sent)).toLocaleString('en-US')} messages)`,
  );
}

// A node's memory for its chain: a fresh store fed the honest chain (stages re-executed from the cache, so
// what is measured is the store, not TensorFlow.js).
const { report, stages, sim } = await scenario('1', {
  targetLength: LONG,
  tdCoinstake: FAST,
  bhCoinstake: FAST,
  transactions: 1000,
  transactionWindowMs: 10_000,
});
const bytes = report.chain.map((block) => block.bytes);
console.log(
  `bytes per block (canonical encoding, ${LONG} blocks, ${report.transactions.inChain} transfers): median ${median(bytes).toLocaleString('en-US')}, max ${Math.max(...bytes).toLocaleString('en-US')}`,
);
const source = sim.participants[0];
const blocks = source?.chain.mainChain() ?? [];
gc();
const before = process.memoryUsage().heapUsed;
const store = new ChainStore({
  genesis: sim.genesis,
  config: sim.config,
  replay: (stage) => stages.train({ ...stage, poisoned: false }),
});
// Copies, as a node holds what it decoded from the wire (the simulation's objects are shared).
for (const block of blocks) await store.add(JSON.parse(JSON.stringify(block)));
gc();
const after = process.memoryUsage().heapUsed;
const tipCheckpoint = stages.checkpoint(store.tip.checkpointSha256);
if (tipCheckpoint === undefined) throw new Error('the tip checkpoint is held by the cache');
console.log(
  `one node's chain in memory: ${((after - before) / 2 ** 20).toFixed(2)} MiB for ${store.tip.index} blocks (${((after - before) / Math.max(1, store.tip.index) / 1024).toFixed(1)} KiB per block, accounts copied per block); plus its tip's checkpoint, ${(encodeCheckpoint(tipCheckpoint).length / 2 ** 20).toFixed(2)} MiB`,
);
