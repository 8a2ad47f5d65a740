import { resolve } from 'node:path';
import { CATEGORY_NAME, CATEGORY_SECONDS_MAX, type Category } from '@proofgrid/core';
import {
  BLOB_GARBAGE_GRACE_MS,
  buildHub,
  DEFAULT_MARKET_CONFIG,
  type MarketConfig,
  openHubDeps,
} from '@proofgrid/hub';
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
  market: MarketConfig;
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
    market: marketOptions(args, env, fromEnv),
  };
}

/** `--chain <node url> [--confirmations n]`, `--category NAME=SECONDS`…, `--audit-percent p`. */
function marketOptions(
  args: Arguments,
  env: NodeJS.ProcessEnv,
  fromEnv: (flag: string, variable: string, bounds: { min: number; max: number }) => number | undefined,
): MarketConfig {
  const chainUrl = args.string('chain') ?? (env.PROOFGRID_CHAIN || undefined);
  if (chainUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(chainUrl))
    throw args.usage(`--chain takes a node's URL, e.g. http://127.0.0.1:8000 (got "${chainUrl}").`);
  const categories: Category[] = [...DEFAULT_MARKET_CONFIG.categories];
  for (const text of args.strings('category')) {
    const match = /^([^=]+)=(\d+)$/.exec(text);
    const seconds = Number(match?.[2]);
    if (
      match === null ||
      !CATEGORY_NAME.test(match[1] as string) ||
      seconds < 1 ||
      seconds > CATEGORY_SECONDS_MAX
    )
      throw args.usage(
        `--category takes NAME=SECONDS, a name of letters and digits and 1..${CATEGORY_SECONDS_MAX} s (got "${text}").`,
      );
    const name = match[1] as string;
    const index = categories.findIndex((category) => category.name === name);
    if (index >= 0) categories.splice(index, 1);
    categories.push({ name, referenceSeconds: seconds });
  }
  const confirmations = fromEnv('confirmations', 'PROOFGRID_CONFIRMATIONS', { min: 1, max: 1_000 }) ?? 3;
  return {
    categories,
    chain: chainUrl === undefined ? null : { url: chainUrl, confirmations },
    auditPercent:
      fromEnv('audit-percent', 'PROOFGRID_AUDIT_PERCENT', { min: 0, max: 100 }) ??
      DEFAULT_MARKET_CONFIG.auditPercent,
    anchorIntervalMs:
      (fromEnv('anchor-seconds', 'PROOFGRID_ANCHOR_SECONDS', { min: 1, max: 86_400 }) ??
        DEFAULT_MARKET_CONFIG.anchorIntervalMs / 1000) * 1000,
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
    market: options.market,
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
  const hubAddress = Buffer.from(deps.secrets.hubKey.publicKey).toString('hex');
  io.out(
    options.market.chain === null
      ? 'Market: no chain (credits come from the faucet: local test credits only)'
      : `Market: chain ${options.market.chain.url}, ${options.market.chain.confirmations} confirmation(s); deposit address ${hubAddress}`,
  );

  return untilSignal(io, 'hub', async () => {
    await app.close();
    await close();
  });
}
