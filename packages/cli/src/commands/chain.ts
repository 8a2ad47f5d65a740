import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createSimulation,
  type LogRecord,
  SIMULATION_DEFAULTS,
  SIMULATION_LIMITS,
  type Simulation,
  type SimulationReport,
  shortId,
} from '@proofgrid/chain';
import { DEFAULT_TRAINING_SPEC, type Poison, StageCache, testAccuracy } from '@proofgrid/runtime/train';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { printResult, table } from './output.ts';

/** The lottery stake `--fast-lottery` sets for declarations and headers: one try in two wins. */
const FAST_COINSTAKE = 2n ** 255n;

/**
 * `proofgrid chain simulate`: seed 003's simulation — nodes train MNIST stages with the real `train`
 * runtime and race for blocks on a simulated clock and network, deterministic given `--seed`. Logs in the
 * seed's format (INFO to the console and the file, DEBUG to the file only), then prints the honest chain,
 * every tip, the model's test accuracy and whether the honest nodes agree. Exit 0 when they agree at the
 * target length, 1 when they do not (a stall, shown rather than hidden).
 */
export async function chainSimulate(args: Arguments, io: CommandIo): Promise<number> {
  const json = args.flag('json');
  if (args.positionals.length > 0)
    throw args.usage(`chain simulate takes options only (got "${args.positionals.join(' ')}").`);
  const nodes = args.integer('nodes', { min: 1, max: SIMULATION_LIMITS.nodes }) ?? SIMULATION_DEFAULTS.nodes;
  const users = args.integer('users', { min: 0, max: SIMULATION_LIMITS.users }) ?? SIMULATION_DEFAULTS.users;
  const maxTimeSeconds =
    args.integer('max-time', { min: 1, max: SIMULATION_LIMITS.maxTimeMs / 1000 }) ??
    SIMULATION_DEFAULTS.maxTimeMs / 1000;
  // Fault windows end before the run can: a node still down at the end would be counted out silently.
  const window = (name: string, value: string) => {
    const { min, max } = parseRange(args, name, value, { min: 0, max: maxTimeSeconds - 1 });
    return { fromMs: min * 1000, toMs: max * 1000 };
  };
  const options = {
    seed: args.string('seed') ?? '42',
    nodes,
    poisoners: args.integer('poisoners', { min: 0, max: nodes }) ?? 0,
    users,
    transactions:
      args.integer('transactions', { min: 0, max: SIMULATION_LIMITS.transactions }) ??
      SIMULATION_DEFAULTS.transactions,
    targetLength:
      args.integer('target-length', { min: 1, max: SIMULATION_LIMITS.targetLength }) ??
      SIMULATION_DEFAULTS.targetLength,
    stakeholders:
      args.integer('stakeholders', { min: 1, max: nodes + users }) ??
      Math.min(nodes + users, SIMULATION_DEFAULTS.stakeholders),
    employerConfidence:
      args.integer('employer-confidence', { min: 1, max: nodes }) ??
      Math.min(nodes, SIMULATION_DEFAULTS.employerConfidence),
    dropRate: args.decimal('drop-rate', { min: 0, max: 0.5 }) ?? 0,
    delayMs: range(args, 'delay-ms', { min: 0, max: 60_000 }) ?? SIMULATION_DEFAULTS.delayMs,
    partitions: args.strings('partition').map((value) => window('partition', value)),
    crashes: args.strings('crash').map((value) => {
      const match = /^(\d+):(.+)$/.exec(value);
      const node = Number(match?.[1]);
      if (match === null || !(node >= 1 && node <= nodes) || !/^\d+-\d+$/.test(match[2] ?? ''))
        throw args.usage(
          `--crash takes <node>:<from>-<to> (seconds) with a node from 1 to ${nodes} (got "${value}").`,
        );
      return { node, ...window('crash', match[2] ?? '') };
    }),
    maxTimeMs: maxTimeSeconds * 1000,
    ...(args.flag('fast-lottery') ? { tdCoinstake: FAST_COINSTAKE, bhCoinstake: FAST_COINSTAKE } : {}),
  };
  const poisonKind = args.string('poison') ?? 'flip-labels';
  if (poisonKind !== 'flip-labels' && poisonKind !== 'append-mislabeled')
    throw args.usage(`--poison is flip-labels or append-mislabeled (got "${poisonKind}").`);
  const logPath = resolve(args.string('log') ?? 'pot_sim.log');

  const started = performance.now();
  const stages = await StageCache.create(DEFAULT_TRAINING_SPEC, { poison: poisonKind as Poison });
  // Written synchronously, line by line: the simulation never yields to I/O, so a stream would hold the
  // whole log in memory until the end.
  let file: number | undefined;
  const log = (record: LogRecord) => {
    const line = `[${clock(record.timeMs)}][${record.name}][${record.level}]: ${record.message}`;
    if (file !== undefined) writeSync(file, `${line}\n`);
    if (!json && record.level !== 'DEBUG') io.out(line);
  };
  let simulation: Simulation;
  try {
    simulation = createSimulation({
      ...options,
      trainer: (stage) => stages.train(stage),
      initialCheckpointSha256: stages.initialSha256,
      log,
    });
  } catch (error) {
    // What the flags alone cannot bound (more stakeholders than participants, a quorum above the nodes).
    if (error instanceof RangeError) throw args.usage(`${error.message}.`);
    throw error;
  }
  file = openLog(logPath);
  let report: SimulationReport;
  try {
    report = await simulation.run();
  } finally {
    closeSync(file);
  }
  const checkpoint = stages.checkpoint(report.finalCheckpointSha256);
  const accuracy = checkpoint === undefined ? null : await testAccuracy(DEFAULT_TRAINING_SPEC, checkpoint);
  const wallMs = Math.round(performance.now() - started);
  printResult(io, args, { ...report, testAccuracy: accuracy, wallMs, log: logPath }, () =>
    summary(report, { accuracy, wallMs, logPath, targetLength: options.targetLength }),
  );
  return report.agreement ? 0 : 1;
}

function summary(
  report: SimulationReport,
  {
    accuracy,
    wallMs,
    logPath,
    targetLength,
  }: { accuracy: number | null; wallMs: number; logPath: string; targetLength: number },
): string[] {
  const coins = (micro: number) => (micro / 1e6).toLocaleString('en-US', { maximumFractionDigits: 6 });
  const tip = report.chain.at(-1);
  const poisoners = report.tips.filter((t) => t.role === 'poisoner').map((t) => t.name);
  const earnedByPoisoners = poisoners.reduce((sum, name) => sum + (report.earnings[name] ?? 0), 0);
  const { transactions: t, messages: m } = report;
  return [
    '',
    `The honest chain (${report.chain.length} blocks):`,
    ...table([
      ['block', 'hash', 'proposer', 'wrapper', 'declarations', 'transfers', 'checkpoint', 'bytes'],
      ...report.chain.map((b) => [
        `#${b.index}`,
        shortId(b.hash),
        b.proposer,
        b.wrapper,
        b.declarers.join(','),
        String(b.transactions),
        shortId(b.checkpointSha256),
        b.bytes.toLocaleString('en-US'),
      ]),
    ]).map((line) => `  ${line}`),
    '',
    'Tips:',
    ...table(
      report.tips.map((p) => [
        p.name,
        p.role,
        p.up ? 'up' : 'down',
        `#${p.index}`,
        shortId(p.hash),
        `earned ${coins(report.earnings[p.name] ?? 0)}`,
      ]),
    ).map((line) => `  ${line}`),
    '',
    accuracy === null
      ? 'Model: no checkpoint to evaluate.'
      : `Model: ${(accuracy * 100).toFixed(2)}% test accuracy on MNIST's 10,000 test images after ${report.chain.length} stages (checkpoint ${shortId(report.finalCheckpointSha256)}).`,
    `Transfers: ${t.attempted} attempted, ${t.issued} signed (${t.attempted - t.issued} declined by wallets that could not pay), ${t.inChain} in the chain, ${t.pending} pending, ${t.lost} lost, ${t.includedTwice} counted twice.`,
    ...(poisoners.length === 0
      ? []
      : [
          `Poisoners (${poisoners.join(', ')}): ${report.poisonerDeclarations} of their declarations counted, ${coins(earnedByPoisoners)} coins earned.`,
        ]),
    `Messages: ${m.sent.toLocaleString('en-US')} sent, ${m.dropped.toLocaleString('en-US')} dropped, ${m.partitioned.toLocaleString('en-US')} cut by partitions.`,
    report.agreement
      ? `Every honest node agrees: tip #${tip?.index} ${shortId(tip?.hash ?? '')} after ${(report.timeMs / 1000).toFixed(1)} s of simulated time (${(wallMs / 1000).toFixed(1)} s here).`
      : `The honest nodes do NOT agree on a tip at length ${targetLength} after ${(report.timeMs / 1000).toFixed(1)} s of simulated time: see the tips above and ${logPath}.`,
    `Log: ${logPath}`,
  ];
}

/** The log file, opened now so that a path that cannot be written fails before the run, saying so. */
function openLog(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new Error(
      `Cannot write the log to ${path} (${code}): give --log a file in a folder you can write to.`,
    );
  }
}

/** Simulated time as the seed's log shows wall time: hours, minutes, seconds and milliseconds. */
function clock(ms: number): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

function range(args: Arguments, name: string, bounds: { min: number; max: number }) {
  const value = args.string(name);
  return value === undefined ? undefined : parseRange(args, name, value, bounds);
}

/** `<from>-<to>` (whole numbers, from ≤ to, within bounds). */
function parseRange(
  args: Arguments,
  name: string,
  value: string,
  { min, max }: { min: number; max: number },
) {
  const match = /^(\d+)-(\d+)$/.exec(value);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (match === null || from < min || to > max || from > to)
    throw args.usage(
      `--${name} takes <from>-<to>, whole numbers from ${min} to ${max}, from ≤ to (got "${value}").`,
    );
  return { min: from, max: to };
}
