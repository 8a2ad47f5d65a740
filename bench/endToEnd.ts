// Benchmark: tiny tasks end to end — a real hub process and two real worker processes on loopback.
//
//   npm run bench:e2e                                   # 1000 tasks, replicated twice, PGlite
//   npm run bench:e2e -- --tasks 2000 --policy none     # one replica per task
//   npm run bench:e2e -- --driver postgres              # the hub on a PostgreSQL server (a throwaway database)
//
// Uploads the primality example with `--tasks` input groups of one small number each, starts two
// `proofgrid worker start` processes, and measures from their start until every task is verified. Prints
// tasks per second and, per replica, where a worker's time goes: the guest running (engine), the sandbox
// around it (IPC to the sandbox process), and the rest (asking for work, fetching, submitting: the hub and
// HTTP). Each worker prints one line per task, which is where the split comes from.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HubClient } from '@proofgrid/client';
import { encodeInputCsv, inputValue, writeTar } from '@proofgrid/core';
import { processCpuMs } from '@proofgrid/worker';
import { createTestPostgresDatabase } from '../test/support/postgres.ts';
import { type CliProcess, launchCli, startHub } from './support/cliProcess.ts';

const { values: flags } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000' },
    policy: { type: 'string', default: 'replicate' },
    workers: { type: 'string', default: '2' },
    driver: { type: 'string', default: 'pglite' },
  },
});
const TASKS = Number(flags.tasks);
const WORKERS = Number(flags.workers);
if (!Number.isInteger(TASKS) || TASKS < 1 || TASKS > 100_000) throw new Error('--tasks must be 1..100000');
if (!Number.isInteger(WORKERS) || WORKERS < 1 || WORKERS > 16) throw new Error('--workers must be 1..16');
if (flags.policy !== 'replicate' && flags.policy !== 'none') throw new Error('--policy is replicate or none');
if (flags.driver !== 'pglite' && flags.driver !== 'postgres')
  throw new Error('--driver is pglite or postgres');
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/proofgrid.js');
const PRIMALITY = join(ROOT, 'examples/primality');

const built = spawnSync(process.execPath, [CLI, 'program', 'build', PRIMALITY], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`building the primality example failed: ${built.stderr}`);
const dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-bench-e2e-'));
// For profiling, e.g. BENCH_HUB_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const database = flags.driver === 'postgres' ? await createTestPostgresDatabase() : undefined;
const hubProcess = await startHub(
  ['--data-dir', join(dataDir, 'hub'), ...(database === undefined ? [] : ['--database-url', database.url])],
  process.env.BENCH_HUB_NODE_OPTIONS?.split(' ') ?? [],
);
const hubUrl = hubProcess.url;
const workers: CliProcess[] = [];
try {
  const hub = new HubClient({ url: hubUrl });
  await hub.api.register({
    body: { username: 'bench', password: 'benchmark password', name: 'Bench', description: '' },
  });
  const { basic_token } = await hub.api.login({
    body: { username: 'bench', password: 'benchmark password' },
  });
  const token = basic_token.token;
  const manifest = JSON.parse(await readFile(join(PRIMALITY, 'proofgrid.json'), 'utf8'));
  if (flags.policy === 'none') manifest.verification = { policy: 'none' };
  const archive = writeTar([
    { path: 'proofgrid.json', data: new TextEncoder().encode(JSON.stringify(manifest)) },
    { path: 'build/program.wasm', data: await readFile(join(PRIMALITY, 'build/program.wasm')) },
  ]);
  const { program_id: programId } = await hub.api.uploadProgram(
    {
      file: { name: 'primality.tar', bytes: archive },
      data: { name: 'bench', description: '', execution_timeout: 60 },
    },
    { token },
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < TASKS; i = next++) {
        const csv = encodeInputCsv([inputValue.u32(1_000_003 + 2 * i)]);
        await hub.api.uploadInputGroup(
          {
            params: { program_id: programId },
            file: { name: `n${i}.csv`, bytes: new TextEncoder().encode(csv) },
          },
          { token },
        );
      }
    }),
  );

  const hubCpuBeforeMs = processCpuMs(hubProcess.pid);
  const startedMs = performance.now();
  const firstDoneS: number[] = [];
  for (let i = 0; i < WORKERS; i++)
    workers.push(
      launchCli(
        ['worker', 'start', '--hub', hubUrl, '--data-dir', join(dataDir, `worker-${i}`)],
        (output) => {
          if (firstDoneS[i] === undefined && output.includes(' done in '))
            firstDoneS[i] = (performance.now() - startedMs) / 1000;
        },
      ),
    );
  let progress = { total: TASKS, verified: 0, failed: 0 };
  while (progress.verified + progress.failed < progress.total) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    progress = await hub.api.programProgress({ params: { program_id: programId } }, { token });
  }
  const elapsedS = (performance.now() - startedMs) / 1000;
  const hubCpuMs = processCpuMs(hubProcess.pid) - hubCpuBeforeMs;
  const workersCpuMs = workers.reduce((sum, worker) => sum + processCpuMs(worker.pid), 0);
  await Promise.all(workers.map((worker) => worker.stop()));

  const replicas = workers.flatMap((worker) =>
    [...worker.output().matchAll(/done in ([\d.]+) ms \(sandbox ([\d.]+) ms, engine ([\d.]+) ms\)/g)].map(
      ([, total, sandbox, engine]) => ({
        total: Number(total),
        sandbox: Number(sandbox),
        engine: Number(engine),
      }),
    ),
  );
  const mean = (pick: (r: (typeof replicas)[number]) => number) =>
    replicas.reduce((sum, r) => sum + pick(r), 0) / replicas.length;
  // A worker's wall time per replica, including asking for work (which the per-task line does not cover).
  const perReplicaMs = (elapsedS * 1000 * WORKERS) / replicas.length;
  const engine = mean((r) => r.engine);
  const sandbox = mean((r) => r.sandbox) - engine;
  const rest = perReplicaMs - engine - sandbox;
  const share = (ms: number) => `${ms.toFixed(2)} ms (${((100 * ms) / perReplicaMs).toFixed(1)}%)`;
  console.log(
    `${TASKS} tasks (policy ${flags.policy}), ${replicas.length} replica runs, ${WORKERS} workers, ${database === undefined ? 'PGlite' : 'PostgreSQL'} hub: ${progress.verified} verified, ${progress.failed} failed in ${elapsedS.toFixed(2)} s`,
  );
  console.log(
    `throughput: ${(TASKS / elapsedS).toFixed(1)} tasks/s, ${(replicas.length / elapsedS).toFixed(1)} replica runs/s`,
  );
  console.log(
    `per replica, a worker's ${perReplicaMs.toFixed(2)} ms: engine ${share(engine)}, sandbox IPC ${share(sandbox)}, hub + HTTP + scheduling ${share(rest)}`,
  );
  console.log(
    `start-up: each worker's first replica done ${firstDoneS.map((s) => `${s.toFixed(2)} s`).join(', ')} after its launch`,
  );
  console.log(
    `CPU per replica: hub ${(hubCpuMs / replicas.length).toFixed(2)} ms, worker processes (lease loop, signing, HTTP) ${(workersCpuMs / replicas.length).toFixed(2)} ms — on ${availableParallelism()} cores shared by all`,
  );
} finally {
  await Promise.all(workers.map((worker) => worker.stop()));
  await hubProcess.stop();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
}
