// Benchmark: how long `proofgrid` commands take, wall time from spawn to exit, as a user feels it.
//
//   npm run bench:cli                 # each command 10 times; prints the median and the slowest
//
// Offline commands first (version, help), then commands that talk to a hub process started here with
// an account and a program, so that what is measured is the command's own start-up plus one or two
// requests on loopback.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHub } from './support/cliProcess.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(flags.runs);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 1000) throw new Error('--runs must be 1..1000');
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/proofgrid.js');

const dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-bench-cli-'));
const env = {
  ...process.env,
  PROOFGRID_CONFIG_DIR: join(dataDir, 'config'),
  PROOFGRID_PASSWORD: 'benchmark password',
};

function run(args: string[], hubUrl?: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: hubUrl === undefined ? env : { ...env, PROOFGRID_HUB: hubUrl },
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`proofgrid ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

function measure(args: string[], hubUrl?: string): void {
  const times = Array.from({ length: RUNS }, () => run(args, hubUrl)).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const slowest = times[times.length - 1] ?? 0;
  console.log(
    `${`proofgrid ${args.join(' ')}`.padEnd(44)} median ${(median / 1000).toFixed(3)} s, slowest ${(slowest / 1000).toFixed(3)} s`,
  );
}

const hub = await startHub(['--data-dir', join(dataDir, 'hub')]);
try {
  run(['account', 'register', '--username', 'bench', '--name', 'Bench'], hub.url);
  run(['account', 'login', '--username', 'bench'], hub.url);
  run(['program', 'build', join(ROOT, 'examples/primality')]);
  run(['program', 'upload', join(ROOT, 'examples/primality'), '--name', 'primes'], hub.url);
  run(['input', 'add', 'primes', 'seven', '--u32', '7'], hub.url);
  console.log(`${RUNS} runs of each command, wall time from spawn to exit (hub at ${hub.url}):`);
  measure(['--version']);
  measure(['--help']);
  measure(['task', 'show', '--help']);
  measure(['program', 'list'], hub.url);
  measure(['task', 'list', 'primes', '--json'], hub.url);
  measure(['task', 'show', 'primes', 'seven'], hub.url);
  measure(['input', 'list', 'primes'], hub.url);
} finally {
  await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
}
