// The WASI glue a ProofGrid program needs: read the input values from stdin, write bytes to stdout.
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

function readExact(buffer: usize, length: u32): u32 {
  const iov = memory.data(16);
  let total: u32 = 0;
  while (total < length) {
    store<u32>(iov, buffer + total);
    store<u32>(iov, length - total, 4);
    fd_read(0, iov, 1, iov + 8);
    const n = load<u32>(iov, 8);
    if (n == 0) break;
    total += n;
  }
  return total;
}

/** The next input value, or null when the input is exhausted. */
export function nextValue(): Uint8Array | null {
  const header = memory.data(4);
  if (readExact(header, 4) < 4) return null;
  const length = load<u32>(header);
  const value = new Uint8Array(length);
  readExact(value.dataStart, length);
  return value;
}

export function write(text: string): void {
  const bytes = String.UTF8.encode(text);
  const iov = memory.data(16);
  store<u32>(iov, changetype<usize>(bytes));
  store<u32>(iov, bytes.byteLength, 4);
  fd_write(1, iov, 1, iov + 8);
}

export function abortProgram(message: string | null, file: string | null, line: u32, column: u32): void {
  proc_exit(134);
}
