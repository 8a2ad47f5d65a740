import { availableParallelism, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { HubApiError } from '@proofgrid/client';
import { isProofGridError, MEMORY_PAGES_MAX } from '@proofgrid/core';
import { CPUS_MIN } from '@proofgrid/worker';
import { accountLogin, accountLogout, accountRegister } from './commands/account.ts';
import { demo } from './commands/demo.ts';
import { hubStart } from './commands/hubStart.ts';
import type { CommandIo } from './commands/io.ts';
import { orgList } from './commands/orgList.ts';
import {
  inputUpload,
  jobWatch,
  programDelete,
  programList,
  programShow,
  programUpload,
  resultsDownload,
} from './commands/orgPrograms.ts';
import { programBuild, programInit } from './commands/program.ts';
import { proofVerify } from './commands/proofVerify.ts';
import { MEMORY_BYTES_MIN, workerStart } from './commands/workerStart.ts';
import { resolveCrsPath } from './config/resolveCrsPath.ts';
import { resolveHubUrl } from './config/resolveHubUrl.ts';

const USAGE = `proofgrid — the ProofGrid command line

Usage:
  proofgrid demo [--port 8080] [--data-dir ./.proofgrid]    hub + local worker + the primality example (npm start)
  proofgrid hub start [--port 8080] [--host 127.0.0.1] [--data-dir ./.proofgrid/hub] [--database-url postgres://...]
                      [--log-level warn] [--crs-path ~/.bb-crs]
  proofgrid account register --username <u> --name <organization name> [--description <text>] [--password <p>]
  proofgrid account login --username <u> [--password <p>]
  proofgrid account logout
  proofgrid org list [--name-filter <prefix>] [--limit 1..50] [--page 1..] [--json]
  proofgrid worker start [--data-dir ./.proofgrid/worker] [--name <n>] [--account] [--cpus 1] [--max-memory <size>]
                         [--only-when-idle [--idle-threshold 25]] [--fuel-per-second 500000000]
                         [--seconds-available 3600] [--tasks N] [--crs-path ~/.bb-crs]
                         [--execute-only | --prove-only]   Noir tasks: upload witnesses / prove others' witnesses
                         SIGUSR1 pauses a running worker, SIGUSR2 resumes it; SIGINT/SIGTERM stop it
  proofgrid program upload <dir|tar> --name <n> [--description <text>] [--timeout 300]
  proofgrid program list | show <program> | delete <program>      (a program by id or name)
  proofgrid input upload <program> <csv|folder>                     one input group per CSV
  proofgrid job watch <program> [--timeout 3600]                    progress until every task is done
  proofgrid results download <program> --out <dir>                  <dir>/<group>/output and verdict.json
  proofgrid proof verify <program> (--all | --group <id>) [--out <dir>] [--crs-path <dir>]
                                      verify a Noir program's proofs here, trusting nothing from the hub
  proofgrid program init <dir> [--runtime wasm|noir]   write a starter program (AssemblyScript or Noir)
  proofgrid program build <dir> [--crs-path <dir>]    compile it and check it as the hub will

Every command that talks to a hub takes --hub <url> (or PROOFGRID_HUB; default http://127.0.0.1:8080).
A password not given with --password or PROOFGRID_PASSWORD is asked for (or read from standard input).
Logins are kept per hub URL in $PROOFGRID_CONFIG_DIR, $XDG_CONFIG_HOME/proofgrid or ~/.config/proofgrid.
Hub settings also come from PROOFGRID_PORT, PROOFGRID_HOST, PROOFGRID_DATA_DIR and DATABASE_URL.`;

class UsageError extends Error {}

/** Runs one command line and returns the exit code: 0 done, 1 failed, 2 misused. */
export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof HubApiError) io.err(`error: ${error.message} [${error.code}]`);
    else if (isProofGridError(error)) io.err(`error: ${error.message} [${error.code}]`);
    else io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function defaultIo(): CommandIo {
  if (process.stdout.isTTY !== true) {
    return {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      env: process.env,
    };
  }
  // On a terminal a status line may sit at the bottom: every other line first erases it (it is redrawn).
  const erase = '\r\x1b[2K';
  return {
    out: (line) => process.stdout.write(`${erase}${line}\n`),
    err: (line) => {
      process.stdout.write(erase);
      process.stderr.write(`${line}\n`);
    },
    status: (line) => process.stdout.write(`${erase}${line}`),
    env: process.env,
  };
}

async function dispatch(argv: string[], io: CommandIo): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'demo') {
    const flags = parse(argv.slice(1), { port: 'string', 'data-dir': 'string' });
    return demo(
      {
        port: integer(flags.port, '--port', 0, 65_535) ?? 8080,
        dataDir: flags['data-dir'] ?? './.proofgrid',
      },
      io,
    );
  }
  const key = `${group ?? ''} ${command ?? ''}`.trim();
  switch (key) {
    case 'hub start':
      return runHubStart(rest, io);
    case 'account register': {
      const flags = parse(rest, {
        username: 'string',
        password: 'string',
        name: 'string',
        description: 'string',
        hub: 'string',
      });
      return accountRegister(
        {
          hubUrl: resolveHubUrl(flags.hub, io.env),
          username: required(flags.username, '--username'),
          password: flags.password,
          name: required(flags.name, '--name'),
          description: flags.description ?? '',
        },
        io,
      );
    }
    case 'account login': {
      const flags = parse(rest, { username: 'string', password: 'string', hub: 'string' });
      return accountLogin(
        {
          hubUrl: resolveHubUrl(flags.hub, io.env),
          username: required(flags.username, '--username'),
          password: flags.password,
        },
        io,
      );
    }
    case 'account logout': {
      const flags = parse(rest, { hub: 'string' });
      return accountLogout({ hubUrl: resolveHubUrl(flags.hub, io.env) }, io);
    }
    case 'org list': {
      const flags = parse(rest, {
        hub: 'string',
        'name-filter': 'string',
        limit: 'string',
        page: 'string',
        json: 'boolean',
      });
      return orgList(
        {
          hubUrl: resolveHubUrl(flags.hub, io.env),
          nameFilter: flags['name-filter'],
          limit: integer(flags.limit, '--limit', 1, 50),
          page: integer(flags.page, '--page', 1, 1_000_000),
          json: flags.json === true,
        },
        io,
      );
    }
    case 'worker start': {
      const flags = parse(rest, {
        hub: 'string',
        'data-dir': 'string',
        name: 'string',
        account: 'boolean',
        cpus: 'string',
        'max-memory': 'string',
        'only-when-idle': 'boolean',
        'idle-threshold': 'string',
        'fuel-per-second': 'string',
        'seconds-available': 'string',
        tasks: 'string',
        'crs-path': 'string',
        'execute-only': 'boolean',
        'prove-only': 'boolean',
      });
      if (flags['execute-only'] === true && flags['prove-only'] === true)
        throw new UsageError(
          '--execute-only and --prove-only exclude each other: a worker that does both needs neither.',
        );
      const cores = availableParallelism();
      const cpus = decimal(flags.cpus, '--cpus', CPUS_MIN, cores) ?? 1;
      if (flags['idle-threshold'] !== undefined && flags['only-when-idle'] !== true)
        throw new UsageError('--idle-threshold goes with --only-when-idle.');
      return workerStart(
        {
          hubUrl: resolveHubUrl(flags.hub, io.env),
          dataDir: flags['data-dir'] ?? './.proofgrid/worker',
          name: flags.name,
          account: flags.account === true,
          cpus,
          maxMemoryBytes:
            byteSize(flags['max-memory'], '--max-memory', MEMORY_BYTES_MIN) ??
            Math.min(Math.ceil(cpus) * MEMORY_PAGES_MAX * 65_536, Math.floor(totalmem() / 2)),
          otherBusyMax: flags['only-when-idle']
            ? (decimal(flags['idle-threshold'], '--idle-threshold', 1, 100) ?? 25) / 100
            : undefined,
          fuelPerSecond: integer(flags['fuel-per-second'], '--fuel-per-second', 1, 1e12) ?? 500_000_000,
          secondsAvailable:
            integer(flags['seconds-available'], '--seconds-available', 1, 7 * 24 * 3600) ?? 3600,
          tasksMax: integer(flags.tasks, '--tasks', 1, 1e9),
          crsPath: resolveCrsPath(flags['crs-path'], io.env),
          noirRole: flags['execute-only'] ? 'execute' : flags['prove-only'] ? 'prove' : 'full',
        },
        io,
      );
    }
    case 'program upload': {
      const { values, positionals } = parseWith(rest, {
        hub: 'string',
        name: 'string',
        description: 'string',
        timeout: 'string',
      });
      return programUpload(
        {
          hubUrl: resolveHubUrl(values.hub, io.env),
          source: one(positionals, 'a program folder or tar'),
          name: required(values.name, '--name'),
          description: values.description ?? '',
          timeoutSeconds: integer(values.timeout, '--timeout', 1, 7 * 24 * 3600) ?? 300,
        },
        io,
      );
    }
    case 'program list': {
      const { values } = parseWith(rest, { hub: 'string' });
      return programList({ hubUrl: resolveHubUrl(values.hub, io.env) }, io);
    }
    case 'program show':
    case 'program delete': {
      const { values, positionals } = parseWith(rest, { hub: 'string' });
      const target = {
        hubUrl: resolveHubUrl(values.hub, io.env),
        program: one(positionals, 'a program id or name'),
      };
      return command === 'show' ? programShow(target, io) : programDelete(target, io);
    }
    case 'input upload': {
      const { values, positionals } = parseWith(rest, { hub: 'string' });
      if (positionals.length !== 2)
        throw new UsageError('proofgrid input upload takes a program and a CSV file or folder.');
      return inputUpload(
        {
          hubUrl: resolveHubUrl(values.hub, io.env),
          program: positionals[0] ?? '',
          source: positionals[1] ?? '',
        },
        io,
      );
    }
    case 'job watch': {
      const { values, positionals } = parseWith(rest, { hub: 'string', timeout: 'string' });
      return jobWatch(
        {
          hubUrl: resolveHubUrl(values.hub, io.env),
          program: one(positionals, 'a program id or name'),
          timeoutSeconds: integer(values.timeout, '--timeout', 1, 30 * 24 * 3600) ?? 3600,
        },
        io,
      );
    }
    case 'results download': {
      const { values, positionals } = parseWith(rest, { hub: 'string', out: 'string' });
      return resultsDownload(
        {
          hubUrl: resolveHubUrl(values.hub, io.env),
          program: one(positionals, 'a program id or name'),
          out: required(values.out, '--out'),
        },
        io,
      );
    }
    case 'proof verify': {
      const { values, positionals } = parseWith(rest, {
        hub: 'string',
        all: 'boolean',
        group: 'string',
        out: 'string',
        'crs-path': 'string',
      });
      if ((values.all === true) === (values.group !== undefined))
        throw new UsageError('proof verify takes either --all or --group <input group id>.');
      return proofVerify(
        {
          hubUrl: resolveHubUrl(values.hub, io.env),
          program: one(positionals, 'a program id or name'),
          group: values.group,
          out: values.out,
          crsPath: resolveCrsPath(values['crs-path'], io.env),
        },
        io,
      );
    }
    case 'program init': {
      const { values, positionals } = parseWith(rest, { runtime: 'string' });
      const runtime = values.runtime ?? 'wasm';
      if (runtime !== 'wasm' && runtime !== 'noir')
        throw new UsageError(`--runtime is wasm or noir (got "${runtime}").`);
      return programInit({ dir: one(positionals, 'a folder'), runtime }, io);
    }
    case 'program build': {
      const { values, positionals } = parseWith(rest, { 'crs-path': 'string' });
      return programBuild(
        { dir: one(positionals, 'a folder'), crsPath: resolveCrsPath(values['crs-path'], io.env) },
        io,
      );
    }
    case 'help':
    case '--help':
    case '-h':
    case '':
      io.out(USAGE);
      return group === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${key}".`);
  }
}

function runHubStart(rest: string[], io: CommandIo): Promise<number> {
  const flags = parse(rest, {
    port: 'string',
    host: 'string',
    'data-dir': 'string',
    'database-url': 'string',
    'log-level': 'string',
    'crs-path': 'string',
    'blob-grace-seconds': 'string',
  });
  const logLevel = flags['log-level'] ?? io.env.PROOFGRID_LOG_LEVEL ?? 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new UsageError(
      `--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}").`,
    );
  }
  const databaseUrl = flags['database-url'] ?? (io.env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError(
      `--database-url must be a postgres:// URL (got "${databaseUrl}"). Leave it out to use embedded PGlite.`,
    );
  }
  return hubStart(
    {
      port: integer(flags.port ?? io.env.PROOFGRID_PORT, '--port', 0, 65_535) ?? 8080,
      host: flags.host ?? io.env.PROOFGRID_HOST ?? '127.0.0.1',
      dataDir: flags['data-dir'] ?? io.env.PROOFGRID_DATA_DIR ?? './.proofgrid/hub',
      databaseUrl,
      logLevel,
      crsPath: resolveCrsPath(flags['crs-path'], io.env),
      blobGraceSeconds:
        integer(
          flags['blob-grace-seconds'] ?? io.env.PROOFGRID_BLOB_GRACE_SECONDS,
          '--blob-grace-seconds',
          0,
          30 * 24 * 3600,
        ) ?? 600,
    },
    io,
  );
}

type FlagSpec = Record<string, 'string' | 'boolean'>;
type Flags<S extends FlagSpec> = { [K in keyof S]?: S[K] extends 'string' ? string : boolean };

function parse<S extends FlagSpec>(args: string[], spec: S): Flags<S> {
  const options = Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }]));
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Flags<S>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Flags and positional arguments together (`parse` refuses positionals). */
function parseWith<S extends FlagSpec>(args: string[], spec: S): { values: Flags<S>; positionals: string[] } {
  const options = Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }]));
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as Flags<S>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function one(positionals: string[], what: string): string {
  const [value] = positionals;
  if (value === undefined || positionals.length > 1) throw new UsageError(`expected one argument: ${what}.`);
  return value;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required.`);
  return value;
}

function decimal(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max} (got "${value}").`);
  }
  return parsed;
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Sizes as people write them: 512M, 2G, 1.5GiB, 300000000 (binary units: K = 1024). */
function byteSize(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? ''];
  const bytes = match === null || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!(bytes >= min) || bytes > 2 ** 50) {
    throw new UsageError(
      `${flag} must be a size of at least ${min / 2 ** 20} MiB, such as 512M or 2G (got "${value}").`,
    );
  }
  return bytes;
}

function integer(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}").`);
  }
  return parsed;
}
