import { join } from 'node:path';
import type { Clock } from '@proofgrid/core';
import { NoirProver } from '@proofgrid/runtime';
import { CachedBlobStore } from './blobs/CachedBlobStore.ts';
import { LocalBlobStore } from './blobs/LocalBlobStore.ts';
import {
  BLOB_CACHE_BYTES_MAX,
  BLOB_GARBAGE_SWEEP_INTERVAL_MS,
  POSTGRES_CONNECTIONS_MAX,
  STATISTICS_CHECK_INTERVAL_MS,
} from './constants.ts';
import { acquireDataDirLock } from './dataDir/acquireDataDirLock.ts';
import type { HubDeps } from './deps.ts';
import { loadHubSecrets } from './secrets/loadHubSecrets.ts';
import { sweepBlobGarbage } from './services/blobGarbage.ts';
import { analyzeStaleTables } from './store/analyzeStaleTables.ts';
import { migrate } from './store/migrate.ts';
import { openPgliteStore } from './store/openPgliteStore.ts';
import { openPostgresStore } from './store/openPostgresStore.ts';
import type { Store } from './store/Store.ts';

/** Verifying a proof is milliseconds of work; the hub's request handling needs the other cores. */
const NOIR_VERIFIER_THREADS = 1;

export type OpenHubDepsOptions = {
  /** Holds the blobs and, without `databaseUrl`, the PGlite database (locked to this process). */
  dataDir: string;
  /** A PostgreSQL server (`postgres://...`); without it the database is embedded PGlite in `dataDir/db`. */
  databaseUrl?: string | undefined;
  /** Where background failures (idle database connections, garbage sweeps) are reported. */
  onBackgroundError: (error: unknown) => void;
  /** The CRS directory for Noir programs (Aztec Ignition points: bn254_g1.dat, bn254_g2.dat). */
  crsPath: string;
};

export const systemClock: Clock = { nowMs: () => Date.now() };

/**
 * Opens everything a hub runs on: locks the data directory, opens the database and applies migrations,
 * loads (or creates) the secrets, opens the blob store and starts the blob garbage sweep. `close()` undoes
 * all of it in reverse order.
 */
export async function openHubDeps(
  options: OpenHubDepsOptions,
): Promise<{ deps: HubDeps; close: () => Promise<void> }> {
  // PGlite is a database inside this process: one process per data directory. A PostgreSQL server is shared
  // by design, and so may the blob directory be (hubs behind one load balancer).
  const releaseLock =
    options.databaseUrl === undefined ? acquireDataDirLock(options.dataDir) : () => undefined;
  let store: Store | undefined;
  try {
    store =
      options.databaseUrl === undefined
        ? await openPgliteStore({ dataDir: join(options.dataDir, 'db') })
        : await openPostgresStore({
            databaseUrl: options.databaseUrl,
            connectionsMax: POSTGRES_CONNECTIONS_MAX,
            onIdleError: options.onBackgroundError,
          });
    await migrate(store);
    const secrets = await loadHubSecrets(store);
    const blobs = new CachedBlobStore(
      { bytesMax: BLOB_CACHE_BYTES_MAX },
      { inner: await LocalBlobStore.open(join(options.dataDir, 'blobs')) },
    );
    const noir = new NoirProver({ crsPath: options.crsPath, threads: NOIR_VERIFIER_THREADS });
    const deps: HubDeps = { store, blobs, clock: systemClock, secrets, noir };
    const sweep = () => sweepBlobGarbage(deps).catch(options.onBackgroundError);
    const timers = [setInterval(sweep, BLOB_GARBAGE_SWEEP_INTERVAL_MS)];
    if (store.driver === 'pglite') {
      const openedPglite = store;
      await analyzeStaleTables(openedPglite);
      timers.push(
        setInterval(
          () => analyzeStaleTables(openedPglite).catch(options.onBackgroundError),
          STATISTICS_CHECK_INTERVAL_MS,
        ),
      );
    }
    for (const timer of timers) timer.unref();
    const openedStore = store;
    return {
      deps,
      close: async () => {
        for (const timer of timers) clearInterval(timer);
        await noir.close();
        await openedStore.close();
        releaseLock();
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    releaseLock();
    throw error;
  }
}
