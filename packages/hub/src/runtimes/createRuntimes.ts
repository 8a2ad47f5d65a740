import { IsolatedNoir, NoirProver } from '@proofgrid/runtime';
import {
  NOIR_JOB_MEMORY_BYTES_MAX,
  NOIR_JOB_TIME_MS_MAX,
  NOIR_JOBS_AT_ONCE,
  NOIR_JOBS_QUEUED_MAX,
  NOIR_VERIFIER_THREADS,
} from '../constants.ts';
import { createNoirRuntime } from './noir/noirRuntime.ts';
import { opaqueRuntime } from './opaque/opaqueRuntime.ts';
import { RuntimeRegistry } from './RuntimeRegistry.ts';
import { wasmRuntime } from './wasm/wasmRuntime.ts';

/** The runtimes a hub serves. A new runtime is one more line here (the opaque one stays last: it takes anything). */
export function createRuntimes({ crsPath }: { crsPath: string }): RuntimeRegistry {
  const noir = createNoirRuntime({
    isolated: new IsolatedNoir({
      crsPath,
      jobTimeMsMax: NOIR_JOB_TIME_MS_MAX,
      memoryBytesMax: NOIR_JOB_MEMORY_BYTES_MAX,
      concurrency: NOIR_JOBS_AT_ONCE,
      queuedMax: NOIR_JOBS_QUEUED_MAX,
    }),
    verifier: new NoirProver({ crsPath, threads: NOIR_VERIFIER_THREADS }),
  });
  return new RuntimeRegistry([wasmRuntime, noir, opaqueRuntime]);
}
