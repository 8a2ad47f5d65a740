import type { Clock } from '@proofgrid/core';
import type { NoirProver } from '@proofgrid/runtime';
import type { BlobStore } from './blobs/BlobStore.ts';
import type { HubSecrets } from './secrets/loadHubSecrets.ts';
import type { Store } from './store/Store.ts';

/** What every hub service works with; built once by `buildHub` and passed down, never imported. */
export type HubDeps = {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  secrets: HubSecrets;
  /** Compiles Noir programs' keys and verifies their proofs; its `bb` process starts on first use. */
  noir: NoirProver;
};
