// The WASI glue of a ProofGrid program: read the task's input values from standard input, write the result
// to standard output, log to standard error. Nothing else reaches outside the sandbox.

@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLength: u32, readPointer: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLength: u32, writtenPointer: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buffer: usize, length: u32): u16;

function readExact(buffer: usize, length: u32): u32 {
  const iov = memory.data(16);
  let total: u32 = 0;
  while (total < length) {
    store<u32>(iov, buffer + total);
    store<u32>(iov, length - total, 4);
    fd_read(0, iov, 1, iov + 8);
    const read = load<u32>(iov, 8);
    if (read == 0) break;
    total += read;
  }
  return total;
}

/** The next input value (one row of the input group's CSV), or null when there is none left. */
export function nextValue(): Uint8Array | null {
  const header = memory.data(4);
  if (readExact(header, 4) < 4) return null;
  const length = load<u32>(header);
  const value = new Uint8Array(length);
  if (readExact(value.dataStart, length) < length) return null;
  return value;
}

/** A value read as a big-endian unsigned 32-bit number (how the examples' generators write numbers). */
export function readU32(value: Uint8Array): u32 {
  return (<u32>value[0] << 24) | (<u32>value[1] << 16) | (<u32>value[2] << 8) | <u32>value[3];
}

function writeTo(fd: u32, bytes: ArrayBuffer): void {
  const iov = memory.data(16);
  store<u32>(iov, changetype<usize>(bytes));
  store<u32>(iov, bytes.byteLength, 4);
  fd_write(fd, iov, 1, iov + 8);
}

/**
 * A random u32 from the task's seeded source: every replica of a task draws the same numbers, so their
 * results agree; different tasks draw different ones.
 */
export function randomU32(): u32 {
  const buffer = memory.data(4);
  random_get(buffer, 4);
  return load<u32>(buffer);
}

/** A random f64 in [0, 1) from the task's seeded source (53 random bits). */
export function randomF64(): f64 {
  const high = <u64>(randomU32() >>> 5);
  const low = <u64>(randomU32() >>> 6);
  return <f64>((high << 26) | low) / 9007199254740992.0;
}

/** Appends text (UTF-8) to the task's output. */
export function write(text: string): void {
  writeTo(1, String.UTF8.encode(text));
}

/** Appends raw bytes to the task's output. */
export function writeBytes(bytes: Uint8Array): void {
  writeTo(1, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Appends a line to the task's log (kept, bounded, next to the result). */
export function log(text: string): void {
  writeTo(2, String.UTF8.encode(text + "\n"));
}

/** AssemblyScript's abort (failed assertion, out of bounds): logged, then exit code 134. */
export function abortProgram(message: string | null, file: string | null, line: u32, column: u32): void {
  if (message !== null) log("abort: " + message);
  proc_exit(134);
}
