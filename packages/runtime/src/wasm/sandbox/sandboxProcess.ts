// The child process of a WasmSandbox. It exists so the worker can pause a run (SIGSTOP/SIGCONT, the
// way BOINC throttles its apps) and kill it without touching its own event loop. The run itself happens
// in a worker thread of this process, whose heap and stack limits the engine enforces.
import { Worker } from 'node:worker_threads';
import { type ErrorCode, ProofGridError } from '@proofgrid/core/errors';
import { WasmTrapError } from '../errors.ts';
import type { ExecuteWasmParameters, ExecuteWasmResult } from '../executeWasm.ts';

export type SandboxRequest = {
  id: number;
  /** The module's sha256, the key of this process's compiled-module cache. */
  moduleKey: string;
  /** The instrumented module; compiled only when `moduleKey` is not cached. */
  moduleBytes: Uint8Array;
  task: Omit<ExecuteWasmParameters, 'module'>;
};

/** A run's result, and how long the guest ran (not part of the result: it differs between machines). */
export type SandboxResult = ExecuteWasmResult & { engineMs: number };

export type SandboxReply =
  | { ready: true }
  | { id: number; ok: true; result: SandboxResult }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/** Host memory the run's thread may use besides the guest's own linear memory. */
export const THREAD_HEAP_MB_MAX = 512;
/** The thread's real stack: far above the deterministic budget (STACK_BUDGET_BYTES), so the budget, not the engine, stops deep recursion. */
const THREAD_STACK_MB = 8;
const COMPILED_MODULES_MAX = 16;

const send = (reply: SandboxReply) => process.send?.(reply);
if (send === undefined || process.send === undefined)
  throw new Error('sandboxProcess runs only as a forked child');
// Without its parent nobody reads the results: leave rather than linger as an orphan.
process.on('disconnect', () => process.exit(0));

const compiled = new Map<string, WebAssembly.Module>();
let thread: Worker | undefined;

function startThread(): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: THREAD_HEAP_MB_MAX, stackSizeMb: THREAD_STACK_MB };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sandboxThread.js', import.meta.url), { resourceLimits });
  // From the sources: loader hooks do not reach worker threads on Node 20, so the thread registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sandboxThread.ts', import.meta.url).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, resourceLimits },
  );
}

function moduleFor({ moduleKey, moduleBytes }: SandboxRequest): WebAssembly.Module {
  const cached = compiled.get(moduleKey);
  if (cached !== undefined) return cached;
  const module = new WebAssembly.Module(moduleBytes as Uint8Array<ArrayBuffer>);
  if (compiled.size >= COMPILED_MODULES_MAX) compiled.delete(compiled.keys().next().value ?? '');
  compiled.set(moduleKey, module);
  return module;
}

process.on('message', (request: SandboxRequest) => {
  let module: WebAssembly.Module;
  try {
    module = moduleFor(request);
  } catch (error) {
    send({ id: request.id, ok: false, error: { code: 'INVALID_MODULE', message: String(error) } });
    return;
  }
  thread ??= startThread();
  const running = thread;
  const settle = (reply: SandboxReply) => {
    running.off('message', onMessage);
    running.off('error', onError);
    running.off('exit', onExit);
    send(reply);
  };
  const onMessage = (reply: SandboxReply) => {
    if (!('ready' in reply) && reply.id === request.id) settle(reply);
  };
  const onError = (error: Error & { code?: string }) => {
    if (thread === running) thread = undefined;
    const failure = threadFailure(error);
    settle({ id: request.id, ok: false, error: { code: failure.code, message: failure.shortMessage } });
  };
  const onExit = (code: number) => {
    if (thread === running) thread = undefined;
    settle({
      id: request.id,
      ok: false,
      error: { code: 'WASM_TRAP', message: `the sandbox thread stopped (exit code ${code})` },
    });
  };
  running.on('message', onMessage);
  running.on('error', onError);
  running.on('exit', onExit);
  running.postMessage({ id: request.id, task: { ...request.task, module } });
});

function threadFailure(error: Error & { code?: string }): ProofGridError {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ProofGridError('MEMORY_EXHAUSTED', {
      shortMessage: `The run used more than ${THREAD_HEAP_MB_MAX} MB of host memory.`,
      details: 'Give each task less work, or write less output.',
    });
  }
  return new WasmTrapError({ message: `the sandbox thread failed: ${error.message}` });
}

// Ready once the thread has loaded (TypeScript compiled, modules resolved): the parent starts its
// clocks only then. A thread that dies later is replaced on the next request.
const first = startThread();
thread = first;
const onStartError = (error: Error) => {
  console.error(`the sandbox thread failed to start: ${error.message}`);
  process.exit(1);
};
first.once('error', onStartError);
first.once('message', () => {
  first.off('error', onStartError);
  send({ ready: true });
});
