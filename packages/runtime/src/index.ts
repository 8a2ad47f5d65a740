export { compileNoir, NARGO_TOML, type NoirCircuit } from './noir/compileNoir.ts';
export {
  CircuitTooLargeError,
  NoirCompileError,
  NoirExecutionError,
  NoirInputError,
  NoirProgramError,
  NoirVerifierUnavailableError,
} from './noir/errors.ts';
export { executeNoir } from './noir/executeNoir.ts';
export { IsolatedNoir, type IsolatedNoirOptions } from './noir/IsolatedNoir.ts';
export {
  inflateWitness,
  NOIR_PROOF_SIZE_BYTES,
  type NoirProof,
  NoirProver,
  type NoirProverOptions,
} from './noir/NoirProver.ts';
export {
  type Abi,
  type AbiType,
  decodeReturn,
  FIELD_MODULUS,
  fieldCount,
  inputMap,
  isFieldHex,
  NOIR_FIELDS_MAX,
  type NoirValue,
  publicInputsOf,
  rowsFromValues,
  toJson,
  valuesFromMapping,
  valuesFromRows,
} from './noir/noirAbi.ts';
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
export {
  type ExecuteWasmParameters,
  type ExecuteWasmResult,
  executeWasm,
  type WasmFailure,
} from './wasm/executeWasm.ts';
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
