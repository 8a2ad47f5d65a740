import { assert, isProofGridError, type ProofGridError } from '@proofgrid/core/errors';
import { WASI_MODULE } from './allowedImports.ts';
import { encodeStdin } from './encodeStdin.ts';
import { FuelExhaustedError, MemoryExhaustedError, StackExhaustedError, WasmTrapError } from './errors.ts';
import {
  DEPTH_GLOBAL,
  FUEL_GLOBAL,
  GROW_GLOBAL,
  INIT_FUNCTION,
  STACK_BUDGET_BYTES,
} from './instrumentModule.ts';
import { createWasiImports, ProcExit } from './wasi/createWasiImports.ts';

export type ExecuteWasmParameters = {
  /** A module compiled from `instrumentModule`'s output. */
  module: WebAssembly.Module;
  /** The input group's values, in order; the guest reads them from standard input. */
  input: readonly Uint8Array[];
  /** Seeds the guest's randomness; the task id, so replicas of a task draw the same numbers. */
  seed: string;
  fuelMax: number;
  memoryPagesMax: number;
  outputBytesMax: number;
  logBytesMax: number;
};

/** A run that stopped for a reason that is the same on every machine: replicas agree on it like on an output. */
export type WasmFailure = {
  code: 'FUEL_EXHAUSTED' | 'MEMORY_EXHAUSTED' | 'STACK_EXHAUSTED' | 'OUTPUT_TOO_LARGE' | 'WASM_TRAP';
  message: string;
};

export type ExecuteWasmResult = {
  /** What the guest wrote to standard output (up to the failure, when it failed). */
  output: Uint8Array;
  /** Metered instructions used: the same on every machine for the same module and input. */
  fuelUsed: number;
  /** The code given to `proc_exit`, or 0 when `_start` returned (or the run failed). */
  exitCode: number;
  /** Standard error, truncated to `logBytesMax`. */
  log: string;
  /** Why the run stopped before its end, or null when it ran to its end (whatever its exit code). */
  failure: WasmFailure | null;
};

const DETERMINISTIC_FAILURES = new Set<string>([
  'FUEL_EXHAUSTED',
  'MEMORY_EXHAUSTED',
  'STACK_EXHAUSTED',
  'OUTPUT_TOO_LARGE',
  'WASM_TRAP',
]);

/**
 * Runs an instrumented WASI module to completion in this thread. Deterministic: the same module, input and
 * seed give the same output, fuel and failure on every machine. A run that exhausts its fuel, memory or
 * stack, writes too much or traps is not thrown but returned as its `failure`, with the fuel it used and
 * what it wrote until then, so that replicas can agree on it. It has no wall-clock limit of its own —
 * `WasmSandbox` runs it in a process that can be killed.
 */
export function executeWasm(parameters: ExecuteWasmParameters): ExecuteWasmResult {
  let fuel: WebAssembly.Global | undefined;
  const host = createWasiImports({
    stdin: encodeStdin(parameters.input),
    outputBytesMax: parameters.outputBytesMax,
    logBytesMax: parameters.logBytesMax,
    seed: parameters.seed,
    chargeFuel: (units) => {
      assert(fuel !== undefined, 'fuel is set before the guest runs');
      fuel.value = (fuel.value as bigint) - BigInt(units);
      if (fuel.value < 0n) throw new FuelExhaustedError({ fuelMax: parameters.fuelMax });
    },
  });
  const instance = new WebAssembly.Instance(parameters.module, { [WASI_MODULE]: host.imports });
  const { memory, _start: start } = instance.exports;
  const fuelGlobal = instance.exports[FUEL_GLOBAL];
  const grow = instance.exports[GROW_GLOBAL];
  const depth = instance.exports[DEPTH_GLOBAL];
  assert(
    memory instanceof WebAssembly.Memory && typeof start === 'function',
    'an instrumented module exports memory and _start',
  );
  assert(
    fuelGlobal instanceof WebAssembly.Global &&
      grow instanceof WebAssembly.Global &&
      depth instanceof WebAssembly.Global,
    'an instrumented module exports its meters',
  );
  host.setMemory(memory);
  fuel = fuelGlobal;
  fuel.value = BigInt(parameters.fuelMax);
  const init = instance.exports[INIT_FUNCTION];
  let exitCode = 0;
  let failure: WasmFailure | null = null;
  try {
    if (typeof init === 'function') init();
    start();
  } catch (error) {
    if (error instanceof ProcExit) exitCode = error.code;
    else {
      const failed = classifyFailure(error, {
        fuelLeft: fuel.value as bigint,
        grown: grow.value as number,
        depth: depth.value as number,
        parameters,
      });
      failure = { code: failed.code as WasmFailure['code'], message: failed.shortMessage };
    }
  }
  // Fuel runs below zero by the charge that exhausted it; the run used all of it.
  const fuelLeft = Math.max(0, Number(fuel.value));
  assert(fuelLeft <= parameters.fuelMax, 'fuel left lies between zero and the limit');
  assert(failure === null || exitCode === 0, 'a failed run did not exit');
  return {
    output: host.output(),
    fuelUsed: parameters.fuelMax - fuelLeft,
    exitCode,
    log: host.log(),
    failure,
  };
}

/** The deterministic failure an exception from the guest stands for; anything else is a bug, rethrown. */
function classifyFailure(
  error: unknown,
  {
    fuelLeft,
    grown,
    depth,
    parameters,
  }: { fuelLeft: bigint; grown: number; depth: number; parameters: ExecuteWasmParameters },
): ProofGridError {
  if (isProofGridError(error) && DETERMINISTIC_FAILURES.has(error.code)) return error;
  if (error instanceof RangeError)
    return new WasmTrapError({ message: 'the call stack is exhausted (too deep recursion)' });
  if (!(error instanceof WebAssembly.RuntimeError)) throw error;
  if (fuelLeft < 0n) return new FuelExhaustedError({ fuelMax: parameters.fuelMax });
  if (grown === -1) return new MemoryExhaustedError({ memoryPagesMax: parameters.memoryPagesMax });
  if (depth > STACK_BUDGET_BYTES) return new StackExhaustedError({ stackBudgetBytes: STACK_BUDGET_BYTES });
  return new WasmTrapError({ message: error.message });
}
