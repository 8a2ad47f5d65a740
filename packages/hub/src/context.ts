import { BlobWrites } from './blobs/BlobWrites.ts';
import {
  BLOB_WRITES_QUEUED_MAX,
  PROGRAM_FACTS_CACHED_MAX,
  WORKER_ENTRY_TTL_MS,
  WORKER_SEEN_WRITE_MS,
  WORKERS_CACHED_MAX,
} from './constants.ts';
import type { HubDeps } from './deps.ts';
import { ProgramFacts } from './programs/ProgramFacts.ts';
import { WorkerDirectory } from './workers/WorkerDirectory.ts';

/**
 * The dependencies plus what `buildHub` derives from them once: the caches of programs and workers, and
 * the blob writer that marks what it writes as garbage until a row references it.
 */
export type HubContext = HubDeps & {
  programs: ProgramFacts;
  workers: WorkerDirectory;
  blobWrites: BlobWrites;
};

export function createContext(deps: HubDeps): HubContext {
  return {
    ...deps,
    programs: new ProgramFacts({ entriesMax: PROGRAM_FACTS_CACHED_MAX }, { db: deps.store }),
    workers: new WorkerDirectory(
      { entriesMax: WORKERS_CACHED_MAX, seenWriteMs: WORKER_SEEN_WRITE_MS, entryTtlMs: WORKER_ENTRY_TTL_MS },
      { db: deps.store },
    ),
    blobWrites: new BlobWrites(
      { batchSizeMax: BLOB_WRITES_QUEUED_MAX, queuedMax: BLOB_WRITES_QUEUED_MAX },
      { store: deps.store, blobs: deps.blobs },
    ),
  };
}
