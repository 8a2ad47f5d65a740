export { ALLOWED_WASI_FUNCTIONS, WASI_MODULE } from './wasm/allowedImports.ts';
export { encodeStdin } from './wasm/encodeStdin.ts';
export {
  FuelExhaustedError,
  InvalidModuleError,
  MemoryExhaustedError,
  OutputTooLargeError,
  StackExhaustedError,
  WallTimeExceededError,
  WasmTrapError,
} from './wasm/errors.ts';
export { type ExecuteWasmParameters, type ExecuteWasmResult, executeWasm } from './wasm/executeWasm.ts';
export {
  DEPTH_GLOBAL,
  FUEL_GLOBAL,
  GROW_GLOBAL,
  type InstrumentModuleOptions,
  instrumentModule,
} from './wasm/instrumentModule.ts';
export type { SandboxResult } from './wasm/sandbox/sandboxProcess.ts';
export { type SandboxTask, WasmSandbox } from './wasm/sandbox/WasmSandbox.ts';
export {
  createWasiImports,
  FIXED_TIME_NS,
  ProcExit,
  type WasiHost,
  type WasiIo,
} from './wasm/wasi/createWasiImports.ts';
