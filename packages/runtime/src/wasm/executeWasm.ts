import { assert } from '@proofgrid/core';
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

export type ExecuteWasmResult = {
  /** Everything the guest wrote to standard output. */
  output: Uint8Array;
  /** Metered instructions used: the same on every machine for the same module and input. */
  fuelUsed: number;
  /** The code given to `proc_exit`, or 0 when `_start` returned. */
  exitCode: number;
  /** Standard error, truncated to `logBytesMax`. */
  log: string;
};

/**
 * Runs an instrumented WASI module to completion in this thread. Deterministic: the same module, input and
 * seed give the same output and the same fuel on every machine. It has no wall-clock limit of its own —
 * `runWasmTask` runs it in a worker thread that can be killed.
 *
 * @throws FUEL_EXHAUSTED, MEMORY_EXHAUSTED, OUTPUT_TOO_LARGE, WASM_TRAP
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
  try {
    if (typeof init === 'function') init();
    start();
  } catch (error) {
    if (error instanceof ProcExit) exitCode = error.code;
    else if (error instanceof RangeError)
      throw new WasmTrapError({ message: 'the call stack is exhausted (too deep recursion)' });
    else if (!(error instanceof WebAssembly.RuntimeError)) throw error;
    else if (fuel.value < 0n) throw new FuelExhaustedError({ fuelMax: parameters.fuelMax });
    else if (grow.value === -1) throw new MemoryExhaustedError({ memoryPagesMax: parameters.memoryPagesMax });
    else if (depth.value > STACK_BUDGET_BYTES)
      throw new StackExhaustedError({ stackBudgetBytes: STACK_BUDGET_BYTES });
    else throw new WasmTrapError({ message: error.message });
  }
  const fuelLeft = Number(fuel.value);
  assert(fuelLeft >= 0 && fuelLeft <= parameters.fuelMax, 'fuel left lies between zero and the limit');
  return { output: host.output(), fuelUsed: parameters.fuelMax - fuelLeft, exitCode, log: host.log() };
}
