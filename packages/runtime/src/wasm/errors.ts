import { ProofGridError } from '@proofgrid/core/errors';

/** A module that cannot run here: malformed, too large, or using something the sandbox does not allow. */
export class InvalidModuleError extends ProofGridError {
  override name = 'InvalidModuleError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_MODULE', {
      shortMessage: `The WebAssembly module cannot run in ProofGrid: ${reason}.`,
      details:
        'Build a WASI preview 1 module (wasm32-wasi) that imports only the functions ProofGrid provides and uses no SIMD, threads or exceptions.',
    });
  }
}

export class FuelExhaustedError extends ProofGridError {
  override name = 'FuelExhaustedError';
  constructor({ fuelMax }: { fuelMax: number }) {
    super('FUEL_EXHAUSTED', {
      shortMessage: `The program used all of its fuel (${fuelMax}) before it finished.`,
      details: 'Raise the fuel limit in the manifest, or give each task less work (smaller input groups).',
    });
  }
}

export class MemoryExhaustedError extends ProofGridError {
  override name = 'MemoryExhaustedError';
  constructor({ memoryPagesMax }: { memoryPagesMax: number }) {
    super('MEMORY_EXHAUSTED', {
      shortMessage: `The program tried to grow its memory beyond ${memoryPagesMax} pages of 64 KiB.`,
      details: 'Raise the memory limit in the manifest, or make the program use less memory.',
    });
  }
}

export class OutputTooLargeError extends ProofGridError {
  override name = 'OutputTooLargeError';
  constructor({ outputBytesMax }: { outputBytesMax: number }) {
    super('OUTPUT_TOO_LARGE', {
      shortMessage: `The program wrote more than ${outputBytesMax} bytes to standard output.`,
      details: 'Write less output per task, or raise the output limit in the manifest.',
    });
  }
}

export class WasmTrapError extends ProofGridError {
  override name = 'WasmTrapError';
  constructor({ message }: { message: string }) {
    super('WASM_TRAP', {
      shortMessage: `The program stopped with a trap: ${message}.`,
      details: 'This is a bug in the program (or its input): run it locally on the same input to find it.',
    });
  }
}

export class WallTimeExceededError extends ProofGridError {
  override name = 'WallTimeExceededError';
  constructor({ wallTimeMsMax }: { wallTimeMsMax: number }) {
    super('WALL_TIME_EXCEEDED', {
      shortMessage: `The run took longer than ${wallTimeMsMax} ms of wall-clock time and was killed.`,
      details:
        'The machine may be too slow or too busy for this task; fuel, not time, is the portable limit.',
    });
  }
}

export class StackExhaustedError extends ProofGridError {
  override name = 'StackExhaustedError';
  constructor({ stackBudgetBytes }: { stackBudgetBytes: number }) {
    super('STACK_EXHAUSTED', {
      shortMessage: `The program recursed past the call-stack budget of ${stackBudgetBytes} bytes (the same limit on every machine).`,
      details:
        'Recurse less deeply (use a loop and an explicit stack), or use fewer locals in the recursive function.',
    });
  }
}
