import { resolve } from 'node:path';
import { BLOB_GARBAGE_GRACE_MS, buildHub, openHubDeps } from '@proofgrid/hub';
import type { CommandIo } from '../cli/io.ts';
import { type Arguments, parseInteger } from '../cli/parseArguments.ts';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';
import { untilSignal } from './untilSignal.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type HubStartOptions = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  /** The CRS directory Noir programs are keyed and verified with. */
  crsPath: string;
  /** How long a released blob is kept before the garbage sweep deletes it. */
  blobGraceSeconds: number;
};

/** Flags, then environment variables, then defaults. */
function parseOptions(args: Arguments, env: NodeJS.ProcessEnv): HubStartOptions {
  if (args.positionals.length > 0) throw args.usage(`unexpected argument "${args.positionals[0]}".`);
  const logLevel = args.string('log-level') ?? env.PROOFGRID_LOG_LEVEL ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel))
    throw args.usage(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  const databaseUrl = args.string('database-url') ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw args.usage(
      `--database-url must be a postgres:// URL (got "${databaseUrl}"). Leave it out to use embedded PGlite.`,
    );
  const fromEnv = (flag: string, variable: string, bounds: { min: number; max: number }) =>
    parseInteger(args.string(flag) ?? env[variable], `--${flag} (or ${variable})`, bounds, (message) =>
      args.usage(message),
    );
  return {
    port: fromEnv('port', 'PROOFGRID_PORT', { min: 0, max: 65_535 }) ?? 8080,
    host: args.string('host') ?? env.PROOFGRID_HOST ?? '127.0.0.1',
    dataDir: args.string('data-dir') ?? env.PROOFGRID_DATA_DIR ?? './.proofgrid/hub',
    databaseUrl,
    logLevel,
    crsPath: resolveCrsPath(args.string('crs-path'), env),
    blobGraceSeconds:
      fromEnv('blob-grace-seconds', 'PROOFGRID_BLOB_GRACE_SECONDS', { min: 0, max: 30 * 24 * 3600 }) ??
      BLOB_GARBAGE_GRACE_MS / 1000,
  };
}

/**
 * `proofgrid hub start`: runs a hub in the foreground until SIGINT or SIGTERM, then stops it cleanly: no new
 * requests, requests in flight finish (up to a grace period), the database is closed and the data
 * directory unlocked.
 */
export async function hubStart(args: Arguments, io: CommandIo): Promise<number> {
  const options = parseOptions(args, io.env);
  const dataDir = resolve(options.dataDir);
  const { deps, close } = await openHubDeps({
    dataDir,
    databaseUrl: options.databaseUrl,
    crsPath: options.crsPath,
    blobGraceMs: options.blobGraceSeconds * 1000,
    onBackgroundError: (error) =>
      io.err(`hub background task failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  const app = await buildHub({ logger: { level: options.logLevel } }, deps);
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close();
    await close();
    throw new Error(
      `Cannot listen on ${options.host}:${options.port} (${(error as Error).message}). Choose another --port.`,
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const database = options.databaseUrl === undefined ? `PGlite in ${dataDir}/db` : 'PostgreSQL server';
  io.out(
    `ProofGrid hub listening on http://${options.host}:${port} (database: ${database}; data directory: ${dataDir})`,
  );
  io.out(`API description: http://${options.host}:${port}/openapi.json — stop with Ctrl-C`);

  return untilSignal(io, 'hub', async () => {
    await app.close();
    await close();
  });
}
