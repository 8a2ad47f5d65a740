import { assert } from '@proofgrid/core/errors';
import type { WasiFunctionName } from '../allowedImports.ts';
import { OutputTooLargeError } from '../errors.ts';
import { SeededRandom } from './SeededRandom.ts';

/** WASI errno values used here. */
const ERRNO = { success: 0, badf: 8, fault: 21, inval: 28, spipe: 70 } as const;
/** I/O vectors one call may pass; a guest cannot make the host loop without bound for one fuel. */
export const IOVS_PER_CALL_MAX = 1024;
/** Host work is charged to the guest's fuel too: per I/O vector, and per byte moved or generated. */
const FUEL_PER_IOVEC = 16;
const BYTES_PER_FUEL = 8;
const FUEL_PER_RANDOM_BYTE = 1;
/** The instant every clock reads: 2023-11-14T22:13:20Z. A real clock would make runs differ. */
export const FIXED_TIME_NS = 1_700_000_000_000_000_000n;

/** Thrown by `proc_exit` to unwind the guest; the host catches it and keeps the code. */
export class ProcExit {
  constructor(readonly code: number) {}
}

export type WasiIo = {
  /** Standard input: the input group's values, each as a 4-byte little-endian length then its bytes. */
  stdin: Uint8Array;
  outputBytesMax: number;
  logBytesMax: number;
  /** Seeds `random_get` (the task id): same seed, same bytes. */
  seed: string;
  /** Charges host work to the guest's fuel; throws when the fuel runs out. */
  chargeFuel: (units: number) => void;
};

export type WasiHost = {
  imports: Record<WasiFunctionName, (...args: never[]) => number | undefined>;
  setMemory: (memory: WebAssembly.Memory) => void;
  output: () => Uint8Array;
  log: () => string;
};

/**
 * The WASI preview 1 functions the sandbox provides, all deterministic: no files but the three standard
 * streams, no network, a fixed clock, seeded randomness, an empty environment and one argument (`program`).
 */
export function createWasiImports(io: WasiIo): WasiHost {
  let memory: WebAssembly.Memory | undefined;
  const view = () => {
    assert(memory !== undefined, 'memory is attached before the guest runs');
    return new DataView(memory.buffer);
  };
  const bytesAt = (pointer: number, length: number) => {
    assert(memory !== undefined, 'memory is attached before the guest runs');
    return new Uint8Array(memory.buffer, pointer, length);
  };
  let stdinOffset = 0;
  const output: Uint8Array[] = [];
  let outputBytes = 0;
  const log: Uint8Array[] = [];
  let logBytes = 0;
  const random = new SeededRandom(io.seed);
  const argument = new TextEncoder().encode('program\0');

  const write = (fd: number, data: Uint8Array): number => {
    if (data.length === 0) return fd === 1 || fd === 2 ? ERRNO.success : ERRNO.badf;
    if (fd === 1) {
      if (outputBytes + data.length > io.outputBytesMax)
        throw new OutputTooLargeError({ outputBytesMax: io.outputBytesMax });
      output.push(data.slice());
      outputBytes += data.length;
      return ERRNO.success;
    }
    if (fd === 2) {
      const keep = Math.max(0, Math.min(data.length, io.logBytesMax - logBytes));
      if (keep > 0) log.push(data.slice(0, keep));
      logBytes += keep; // the log is bounded; what does not fit is dropped, not an error
      return ERRNO.success;
    }
    return ERRNO.badf;
  };

  const imports: WasiHost['imports'] = {
    args_sizes_get: (argcPointer: number, bufferSizePointer: number) => {
      view().setUint32(argcPointer, 1, true);
      view().setUint32(bufferSizePointer, argument.length, true);
      return ERRNO.success;
    },
    args_get: (argvPointer: number, bufferPointer: number) => {
      view().setUint32(argvPointer, bufferPointer, true);
      bytesAt(bufferPointer, argument.length).set(argument);
      return ERRNO.success;
    },
    environ_sizes_get: (countPointer: number, sizePointer: number) => {
      view().setUint32(countPointer, 0, true);
      view().setUint32(sizePointer, 0, true);
      return ERRNO.success;
    },
    environ_get: () => ERRNO.success,
    clock_res_get: (_id: number, resolutionPointer: number) => {
      view().setBigUint64(resolutionPointer, 1n, true);
      return ERRNO.success;
    },
    clock_time_get: (_id: number, _precision: bigint, timePointer: number) => {
      view().setBigUint64(timePointer, FIXED_TIME_NS, true);
      return ERRNO.success;
    },
    fd_close: (fd: number) => (fd <= 2 ? ERRNO.success : ERRNO.badf),
    fd_fdstat_get: (fd: number, statPointer: number) => {
      if (fd > 2) return ERRNO.badf;
      bytesAt(statPointer, 24).fill(0);
      view().setUint8(statPointer, 2); // character device
      return ERRNO.success;
    },
    fd_prestat_get: () => ERRNO.badf, // no preopened directories: no file system at all
    fd_prestat_dir_name: () => ERRNO.badf,
    fd_seek: () => ERRNO.spipe,
    fd_read: (fd: number, iovsPointer: number, iovsCount: number, readPointer: number) => {
      if (fd !== 0) return ERRNO.badf;
      if (iovsCount > IOVS_PER_CALL_MAX) return ERRNO.inval;
      io.chargeFuel(iovsCount * FUEL_PER_IOVEC);
      let total = 0;
      for (let i = 0; i < iovsCount; i++) {
        const pointer = view().getUint32(iovsPointer + i * 8, true);
        const length = view().getUint32(iovsPointer + i * 8 + 4, true);
        const chunk = io.stdin.subarray(stdinOffset, stdinOffset + length);
        io.chargeFuel(Math.ceil(chunk.length / BYTES_PER_FUEL));
        bytesAt(pointer, chunk.length).set(chunk);
        stdinOffset += chunk.length;
        total += chunk.length;
        if (chunk.length < length) break;
      }
      view().setUint32(readPointer, total, true);
      return ERRNO.success;
    },
    fd_write: (fd: number, iovsPointer: number, iovsCount: number, writtenPointer: number) => {
      if (iovsCount > IOVS_PER_CALL_MAX) return ERRNO.inval;
      io.chargeFuel(iovsCount * FUEL_PER_IOVEC);
      let total = 0;
      for (let i = 0; i < iovsCount; i++) {
        const pointer = view().getUint32(iovsPointer + i * 8, true);
        const length = view().getUint32(iovsPointer + i * 8 + 4, true);
        io.chargeFuel(Math.ceil(length / BYTES_PER_FUEL));
        const errno = write(fd, bytesAt(pointer, length));
        if (errno !== ERRNO.success) return errno;
        total += length;
      }
      view().setUint32(writtenPointer, total, true);
      return ERRNO.success;
    },
    proc_exit: (code: number) => {
      throw new ProcExit(code);
    },
    random_get: (pointer: number, length: number) => {
      io.chargeFuel(length * FUEL_PER_RANDOM_BYTE);
      random.fill(bytesAt(pointer, length));
      return ERRNO.success;
    },
    sched_yield: () => ERRNO.success,
  };
  return {
    imports: guardMemoryAccess(imports),
    setMemory: (value) => {
      memory = value;
    },
    output: () => concat(output, outputBytes),
    log: () => new TextDecoder().decode(concat(log, logBytes)),
  };
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * A pointer outside the guest's memory makes DataView or Uint8Array throw RangeError; the guest gets
 * EFAULT instead, as from a real kernel, and the run goes on deterministically.
 */
function guardMemoryAccess(imports: WasiHost['imports']): WasiHost['imports'] {
  const guarded: Record<string, (...args: never[]) => number | undefined> = {};
  for (const [name, fn] of Object.entries(imports)) {
    guarded[name] = (...args: never[]) => {
      try {
        return fn(...args);
      } catch (error) {
        if (error instanceof RangeError) return ERRNO.fault;
        throw error;
      }
    };
  }
  return guarded as WasiHost['imports'];
}
