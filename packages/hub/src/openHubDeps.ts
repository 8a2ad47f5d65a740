import { join } from 'node:path';
import type { Clock } from '@proofgrid/core';
import { CachedBlobStore } from './blobs/CachedBlobStore.ts';
import { LocalBlobStore } from './blobs/LocalBlobStore.ts';
import { sweepBlobGarbage } from './blobs/sweepBlobGarbage.ts';
import {
  AUCTION_SWEEP_INTERVAL_MS,
  BLOB_CACHE_BYTES_MAX,
  BLOB_GARBAGE_SWEEP_INTERVAL_MS_MAX,
  BLOB_GARBAGE_SWEEP_INTERVAL_MS_MIN,
  BRIDGE_ROUND_INTERVAL_MS,
  CLAIM_SWEEP_INTERVAL_MS,
  LAPSE_SWEEP_INTERVAL_MS,
  POSTGRES_CONNECTIONS_MAX,
  STATISTICS_CHECK_INTERVAL_MS,
} from './constants.ts';
import { createContext } from './context.ts';
import { acquireDataDirLock } from './dataDir/acquireDataDirLock.ts';
import type { HubDeps } from './deps.ts';
import { sweepAuctions } from './market/auctions.ts';
import { ChainBridge } from './market/bridge/ChainBridge.ts';
import { sweepDeadlines } from './market/claims.ts';
import type { MarketConfig } from './market/config.ts';
import { anchorReceipts } from './market/receipts.ts';
import { createRuntimes } from './runtimes/createRuntimes.ts';
import { loadHubSecrets } from './secrets/loadHubSecrets.ts';
import { analyzeStaleTables } from './store/analyzeStaleTables.ts';
import { migrate } from './store/migrate.ts';
import { openPgliteStore } from './store/openPgliteStore.ts';
import { openPostgresStore } from './store/openPostgresStore.ts';
import type { Store } from './store/Store.ts';
import { sweepLapsedLeases } from './tasks/sweepLapsedLeases.ts';

export type OpenHubDepsOptions = {
  /** Holds the blobs and, without `databaseUrl`, the PGlite database (locked to this process). */
  dataDir: string;
  /** A PostgreSQL server (`postgres://...`); without it the database is embedded PGlite in `dataDir/db`. */
  databaseUrl?: string | undefined;
  /** Where background failures (idle database connections, sweeps) are reported. */
  onBackgroundError: (error: unknown) => void;
  /** The CRS directory for Noir programs (Aztec Ignition points: bn254_g1.dat, bn254_g2.dat). */
  crsPath: string;
  /** How long a released blob is kept before the sweep deletes it (`--blob-grace-seconds`). */
  blobGraceMs: number;
  /** The market: categories, the chain node (or none: a faucet), the audit rate. */
  market: MarketConfig;
};

export const systemClock: Clock = { nowMs: () => Date.now() };

/**
 * Opens everything a hub runs on: locks the data directory, opens the database and applies migrations,
 * loads (or creates) the secrets, opens the blob store and the runtimes, and starts the background
 * sweeps (released blobs, lapsed leases). `close()` undoes all of it in reverse order.
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
    const runtimes = createRuntimes({ crsPath: options.crsPath });
    const deps: HubDeps = { store, blobs, clock: systemClock, secrets, runtimes, market: options.market };
    // The auction sweep fills orders as a request would: it needs the programs' facts and the runtimes.
    const marketContext = createContext(deps);
    const timers = [
      every(
        Math.min(
          BLOB_GARBAGE_SWEEP_INTERVAL_MS_MAX,
          Math.max(BLOB_GARBAGE_SWEEP_INTERVAL_MS_MIN, options.blobGraceMs / 2),
        ),
        () => sweepBlobGarbage(deps, { graceMs: options.blobGraceMs }),
      ),
      every(LAPSE_SWEEP_INTERVAL_MS, () => sweepLapsedLeases(deps)),
      every(CLAIM_SWEEP_INTERVAL_MS, () => sweepDeadlines(deps)),
      every(AUCTION_SWEEP_INTERVAL_MS, () => sweepAuctions(marketContext)),
    ];
    // Without a chain, receipts are gathered into local roots here; with one, the bridge anchors them on chain.
    if (options.market.chain === null)
      timers.push(every(options.market.anchorIntervalMs, () => anchorReceipts(deps)));
    else {
      const bridge = new ChainBridge(deps, options.market.chain);
      timers.push(every(BRIDGE_ROUND_INTERVAL_MS, () => bridge.round()));
    }
    if (store.driver === 'pglite') {
      const openedPglite = store;
      await analyzeStaleTables(openedPglite);
      timers.push(every(STATISTICS_CHECK_INTERVAL_MS, () => analyzeStaleTables(openedPglite)));
    }
    const openedStore = store;
    return {
      deps,
      close: async () => {
        for (const timer of timers) clearInterval(timer);
        await runtimes.close();
        await openedStore.close();
        releaseLock();
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    releaseLock();
    throw error;
  }

  /** A background job every `intervalMs`, never two at once, its failures reported, not thrown. */
  function every(intervalMs: number, job: () => Promise<unknown>): NodeJS.Timeout {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job()
        .catch(options.onBackgroundError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return timer;
  }
}
