// The worker thread inside a sandbox process: runs one task at a time and answers with its result or error.
import { parentPort } from 'node:worker_threads';
import { isProofGridError } from '@proofgrid/core/errors';
import { type ExecuteWasmParameters, executeWasm } from '../executeWasm.ts';

const port = parentPort;
if (port === null) throw new Error('sandboxThread runs only as a worker thread');

// Loaded (TypeScript compiled, modules resolved): the parent starts the wall clock only now.
port.postMessage({ ready: true });

port.on('message', ({ id, task }: { id: number; task: ExecuteWasmParameters }) => {
  try {
    const startedMs = performance.now();
    const run = executeWasm(task);
    const result = { ...run, engineMs: performance.now() - startedMs };
    port.postMessage({ id, ok: true, result }, [result.output.buffer as ArrayBuffer]);
  } catch (error) {
    const code = isProofGridError(error) ? error.code : 'WASM_TRAP';
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ id, ok: false, error: { code, message } });
  }
});
