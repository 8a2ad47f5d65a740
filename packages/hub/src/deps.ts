import type { Clock } from '@proofgrid/core';
import type { BlobStore } from './blobs/BlobStore.ts';
import type { MarketConfig } from './market/config.ts';
import type { RuntimeRegistry } from './runtimes/RuntimeRegistry.ts';
import type { HubSecrets } from './secrets/loadHubSecrets.ts';
import type { Store } from './store/Store.ts';

/** What every hub use case works with; built once (`openHubDeps`, or a test) and passed down, never imported. */
export type HubDeps = {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  secrets: HubSecrets;
  /** The runtimes this hub serves (wasm, noir, seed 004's opaque programs). */
  runtimes: RuntimeRegistry;
  /** The market's categories, its chain (or faucet) and audit rate. */
  market: MarketConfig;
};
