import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@proofgrid/core';
import type { FastifyInstance } from 'fastify';
import { TEST_CRS_PATH } from '../../../../test/support/crs.ts';
import { LocalBlobStore } from '../../src/blobs/LocalBlobStore.ts';
import { buildHub } from '../../src/buildHub.ts';
import type { HubDeps } from '../../src/deps.ts';
import { DEFAULT_MARKET_CONFIG } from '../../src/market/config.ts';
import { createRuntimes } from '../../src/runtimes/createRuntimes.ts';
import { loadHubSecrets } from '../../src/secrets/loadHubSecrets.ts';
import { type Driver, openTestStore } from './testStores.ts';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  // Starts at the real time: blob files carry real write times, which the garbage sweep compares with it.
  #nowMs = Date.now();
  nowMs(): number {
    return this.#nowMs;
  }
  advanceMs(ms: number): void {
    this.#nowMs += ms;
  }
}

export type TestHub = {
  app: FastifyInstance;
  deps: HubDeps;
  clock: TestClock;
  blobs: LocalBlobStore;
  blobDir: string;
  close: () => Promise<void>;
};

/** A hub on a fresh database of the given driver, a temporary blob directory and a test clock. */
export async function openTestHub(
  driver: Driver,
  options: { loginAttemptsPerUsernameMax?: number } = {},
): Promise<TestHub> {
  const store = await openTestStore(driver);
  const blobDir = await mkdtemp(join(tmpdir(), 'proofgrid-blobs-'));
  const blobs = await LocalBlobStore.open(blobDir);
  const clock = new TestClock();
  const runtimes = createRuntimes({ crsPath: TEST_CRS_PATH });
  const deps: HubDeps = {
    store,
    blobs,
    clock,
    secrets: await loadHubSecrets(store),
    runtimes,
    market: {
      ...DEFAULT_MARKET_CONFIG,
      // Audits are drawn at random; the tests that count replicas need none (dealVotes.test.ts tests them).
      auditPercent: 0,
      categories: [...DEFAULT_MARKET_CONFIG.categories, { name: 'TEST', referenceSeconds: 1 }],
    },
  };
  const app = await buildHub(
    { logger: process.env.PROOFGRID_TEST_LOG ? { level: 'error' } : false, ...options },
    deps,
  );
  return {
    app,
    deps,
    clock,
    blobs,
    blobDir,
    close: async () => {
      await app.close();
      await runtimes.close();
      await store.close();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}
