import { availableParallelism, hostname, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { HubClient, routes, WorkerClient } from '@proofgrid/client';
import { nodeTransport } from '@proofgrid/client/node';
import { MEMORY_PAGES_MAX, REPLICAS_PER_LEASE_MAX } from '@proofgrid/core';
import {
  CPUS_MIN,
  Governor,
  type GovernorState,
  IDLE_POLICY_DEFAULTS,
  loadIdentity,
  NoirTasks,
  nativeSigner,
  runWorker,
  writeRegistration,
} from '@proofgrid/worker';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { readLogin } from '../config/credentials.ts';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';

/** A sandbox needs a few pages of guest memory to run anything at all. */
export const MEMORY_BYTES_MIN = 2 ** 20;
const WASM_PAGE_BYTES = 65_536;
const STATUS_REFRESH_MS = 1000;
/** The window over which the status line measures fuel per second. */
const RATE_WINDOW_MS = 10_000;

/** Leases a sandbox's loop may ask for at once: it starts with one and grows the batch while tasks are quick. */
const LEASES_PER_REQUEST = REPLICAS_PER_LEASE_MAX;

type WorkerStartOptions = {
  hubUrl: string;
  dataDir: string;
  name: string | undefined;
  /** Link the worker to the account logged in to this hub (`proofgrid account login`). */
  account: boolean;
  pool: string | undefined;
  /** Cores to use (0.001 up to the machine's count); fractions by duty cycle. */
  cpus: number;
  /** Guest memory all running tasks together may use; each sandbox gets its share. */
  maxMemoryBytes: number;
  /** With `--only-when-idle`: the share of the CPU other processes may use before the worker pauses. */
  otherBusyMax: number | undefined;
  /** Fuel one full core burns per second; the offer scales it by the duty cycle. */
  fuelPerSecond: number;
  secondsAvailable: number;
  /** The CRS for proving Noir tasks; without points there, the worker takes WebAssembly tasks only. */
  crsPath: string;
  /** Noir tasks: execute and prove, execute only (upload the witness), or prove only (others' witnesses). */
  noirRole: 'full' | 'execute' | 'prove';
  tasksMax: number | undefined;
};

const BYTE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Sizes as people write them: 512M, 2G, 1.5GiB, 300000000 (binary units: K = 1024). */
function byteSize(args: Arguments, flag: string, min: number): number | undefined {
  const value = args.string(flag);
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? ''];
  const bytes = match === null || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!(bytes >= min) || bytes > 2 ** 50)
    throw args.usage(
      `--${flag} must be a size of at least ${min / 2 ** 20} MiB, such as 512M or 2G (got "${value}").`,
    );
  return bytes;
}

function parseOptions(args: Arguments, io: CommandIo): WorkerStartOptions {
  if (args.positionals.length > 0) throw args.usage(`unexpected argument "${args.positionals[0]}".`);
  if (args.flag('execute-only') && args.flag('prove-only'))
    throw args.usage(
      '--execute-only and --prove-only exclude each other: a worker that does both needs neither.',
    );
  if (args.string('idle-threshold') !== undefined && !args.flag('only-when-idle'))
    throw args.usage('--idle-threshold goes with --only-when-idle.');
  const cpus = args.decimal('cpus', { min: CPUS_MIN, max: availableParallelism() }) ?? 1;
  return {
    hubUrl: resolveHubUrl(args.string('hub'), io.env),
    dataDir: args.string('data-dir') ?? './.proofgrid/worker',
    name: args.string('name'),
    account: args.flag('account') || args.string('pool') !== undefined,
    pool: poolFlag(args),
    cpus,
    maxMemoryBytes:
      byteSize(args, 'max-memory', MEMORY_BYTES_MIN) ??
      Math.min(Math.ceil(cpus) * MEMORY_PAGES_MAX * WASM_PAGE_BYTES, Math.floor(totalmem() / 2)),
    otherBusyMax: args.flag('only-when-idle')
      ? (args.decimal('idle-threshold', { min: 1, max: 100 }) ?? 25) / 100
      : undefined,
    fuelPerSecond: args.integer('fuel-per-second', { min: 1, max: 1e12 }) ?? 500_000_000,
    secondsAvailable: args.integer('seconds-available', { min: 1, max: 7 * 24 * 3600 }) ?? 3600,
    tasksMax: args.integer('tasks', { min: 1, max: 1e9 }),
    crsPath: resolveCrsPath(args.string('crs-path'), io.env),
    noirRole: args.flag('execute-only') ? 'execute' : args.flag('prove-only') ? 'prove' : 'full',
  };
}

/**
 * `proofgrid worker start`: registers this machine's key with the hub and runs tasks within the donor's
 * limits until SIGINT or SIGTERM, then gives back the leases it holds and exits. SIGUSR1 pauses it (the
 * running tasks stop where they are, no new work is taken), SIGUSR2 resumes it.
 */
export async function workerStart(args: Arguments, io: CommandIo): Promise<number> {
  const options = parseOptions(args, io);
  const dataDir = resolve(options.dataDir);
  const keys = loadIdentity(dataDir);
  const hub = new HubClient({ url: options.hubUrl, transport: nodeTransport });
  const client = new WorkerClient({ hub, keys, now: () => Date.now(), sign: nativeSigner(keys) });
  let token: string | undefined;
  if (options.account) {
    const login = readLogin(io.env, options.hubUrl);
    if (login === undefined)
      throw new Error(
        `Not logged in to ${options.hubUrl}. Run: proofgrid account login --hub ${options.hubUrl} --username <u>`,
      );
    token = login.basic_token.token;
  }
  const name = options.name ?? hostname();
  const registered = await client.register({ name, ...(token === undefined ? {} : { token }) });
  writeRegistration(dataDir, { hubUrl: options.hubUrl, workerId: registered.worker_id, name });
  if (options.pool !== undefined) {
    await client.call(routes.joinPool, { params: { pool_id: options.pool } });
    io.out(
      `Joined workerpool ${options.pool}: its deal tasks are leased to this worker, staked and paid through its account.`,
    );
  }
  const governor = new Governor({
    cpus: options.cpus,
    onlyWhenIdle:
      options.otherBusyMax === undefined
        ? undefined
        : { ...IDLE_POLICY_DEFAULTS, otherBusyMax: options.otherBusyMax },
    onChange: (state) => io.out(describeState(state, options)),
  });
  const slots = governor.slots();
  const memoryPagesMax = Math.min(
    MEMORY_PAGES_MAX,
    Math.max(1, Math.floor(options.maxMemoryBytes / slots / WASM_PAGE_BYTES)),
  );
  io.out(
    `Worker ${registered.worker_id} (pid ${process.pid}) registered with ${options.hubUrl}${registered.organization_id ? ` (account ${registered.organization_id})` : ''}; data in ${dataDir}.`,
  );
  io.out(
    `Using ${options.cpus} CPU(s): ${slots} task(s) at a time, each running ${Math.round(governor.duty() * 100)}% of the time, with up to ${memoryPagesMax * 64} KiB of memory${options.otherBusyMax === undefined ? '' : `; pausing while other programs use more than ${Math.round(options.otherBusyMax * 100)}% of the CPU`}. kill -USR1 ${process.pid} pauses, kill -USR2 ${process.pid} resumes.`,
  );
  const noir = new NoirTasks({ crsPath: options.crsPath, threads: slots });
  // Executing needs no CRS; proving does.
  const provesNoir = options.noirRole === 'execute' || noir.crsPoints > 0;
  if (options.noirRole === 'prove' && !provesNoir)
    throw new Error(
      `--prove-only needs a CRS: there is none at ${options.crsPath}. Pass --crs-path <dir with bn254_g1.dat>.`,
    );
  io.out(
    options.noirRole === 'execute'
      ? 'Noir tasks: execute only (witnesses go to the hub for other workers to prove).'
      : provesNoir
        ? `Noir tasks: ${options.noirRole === 'prove' ? 'prove only' : 'on'} (CRS at ${options.crsPath}: circuits up to ${noir.crsPoints - 1} gates, proving on ${slots} thread(s)).`
        : `Noir tasks: off (no CRS at ${options.crsPath}; pass --crs-path <dir with bn254_g1.dat> to prove them).`,
  );
  const controller = new AbortController();
  const stop = (signal: string) => {
    io.out(`${signal} received: returning the current lease(s) and stopping...`);
    controller.abort();
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  const onPause = () => governor.pause('user');
  const onResume = () => governor.resume('user');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  process.on('SIGUSR1', onPause);
  process.on('SIGUSR2', onResume);

  const stats = { running: 0, done: 0, errors: 0, fuelTotal: 0, lastIdle: '' };
  const recent: { atMs: number; fuel: number }[] = [];
  const fuelPerSecond = () => {
    const now = performance.now();
    while (recent.length > 0 && (recent[0]?.atMs ?? now) < now - RATE_WINDOW_MS) recent.shift();
    return recent.reduce((sum, entry) => sum + entry.fuel, 0) / (RATE_WINDOW_MS / 1000);
  };
  const statusLine = () => {
    const state = governor.state();
    const head = state.paused
      ? describeState(state, options)
      : stats.running > 0
        ? `running ${stats.running}/${slots}`
        : `waiting for work${stats.lastIdle === '' ? '' : `: ${stats.lastIdle}`}`;
    return `${head} · ${stats.done} done · ${stats.errors} errors · ${formatRate(fuelPerSecond())} fuel/s`;
  };
  const live =
    io.status === undefined ? undefined : setInterval(() => io.status?.(statusLine()), STATUS_REFRESH_MS);
  try {
    const { tasks } = await runWorker(
      { client, governor, signal: controller.signal },
      {
        dataDir,
        offer: {
          memory_pages_max: memoryPagesMax,
          fuel_per_second: Math.max(1, Math.floor(options.fuelPerSecond * governor.duty())),
          seconds_available: options.secondsAvailable,
          runtimes: options.noirRole === 'prove' ? ['noir'] : provesNoir ? ['wasm', 'noir'] : ['wasm'],
          role: options.noirRole,
        },
        noir: provesNoir ? noir : undefined,
        leasesPerRequest: LEASES_PER_REQUEST,
        idleWaitMsMin: 250,
        idleWaitMsMax: 5000,
        tasksMax: options.tasksMax,
      },
      {
        onLease: () => {
          stats.running += 1;
        },
        onTask: ({ lease, verdict, fuelUsed, ms, runMs, engineMs }) => {
          stats.done += 1;
          stats.fuelTotal += fuelUsed;
          recent.push({ atMs: performance.now(), fuel: fuelUsed });
          if (io.status === undefined)
            io.out(
              `task ${lease.input_group_id} done in ${ms.toFixed(1)} ms (sandbox ${runMs.toFixed(1)} ms, engine ${engineMs.toFixed(2)} ms), ${fuelUsed} fuel → ${verdict} (fuel so far ${stats.fuelTotal})`,
            );
        },
        onIdle: (reason) => {
          if (reason !== stats.lastIdle && io.status === undefined) io.out(`waiting for work: ${reason}`);
          stats.lastIdle = reason;
        },
        onError: (error, during) => {
          stats.errors += 1;
          io.err(`${during}: ${error instanceof Error ? error.message : String(error)} (will retry)`);
        },
        onLeaseEnd: () => {
          stats.running = Math.max(0, stats.running - 1);
        },
      },
    );
    io.out(`Worker stopped after ${tasks} task(s).`);
    return 0;
  } finally {
    clearInterval(live);
    await noir.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.off('SIGUSR1', onPause);
    process.off('SIGUSR2', onResume);
  }
}

function describeState(state: GovernorState, options: WorkerStartOptions): string {
  if (!state.paused) return 'resumed';
  const why = state.reasons.map((reason) =>
    reason === 'user'
      ? 'by you (kill -USR2 resumes)'
      : `other programs use ${Math.round((state.otherBusy ?? 0) * 100)}% of the CPU (over ${Math.round((options.otherBusyMax ?? 0) * 100)}%)`,
  );
  return `paused: ${why.join('; ')}`;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

/** `--pool <id>`: a workerpool to join (which links the worker to the logged-in account: it stakes and is paid). */
function poolFlag(args: Arguments): string | undefined {
  const pool = args.string('pool');
  if (pool !== undefined && !/^[0-9a-f-]{36}$/.test(pool))
    throw args.usage(
      `--pool takes a workerpool id, as \`proofgrid pool create\` printed it (got "${pool}").`,
    );
  return pool;
}
