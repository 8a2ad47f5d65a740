import { resolve } from 'node:path';
import { buildHub, openHubDeps } from '@proofgrid/hub';

export type HubStartOptions = {
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

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Runs a hub in the foreground until SIGINT or SIGTERM, then stops it cleanly: no new requests, requests in
 * flight finish (up to a grace period), the database is closed and the data directory unlocked.
 */
export async function hubStart(
  options: HubStartOptions,
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
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

  return new Promise((resolveExit) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        io.err(`${signal} again: exiting at once.`);
        process.exit(1);
      }
      stopping = true;
      io.out(`${signal} received: stopping the hub...`);
      const force = setTimeout(() => {
        io.err(`requests still running after ${SHUTDOWN_GRACE_MS} ms: exiting anyway.`);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      await app.close();
      await close();
      clearTimeout(force);
      io.out('hub stopped.');
      resolveExit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });
}
