import { InvalidModuleError } from '../errors.ts';

/** LEB128 numbers take at most this many bytes (ceil(64 / 7)). */
const LEB_BYTES_MAX = 10;

/** Reads a WebAssembly binary front to back; every read is bounds-checked. */
export class ByteReader {
  offset: number;
  readonly bytes: Uint8Array;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  byte(): number {
    if (this.offset >= this.end)
      throw new InvalidModuleError({ reason: 'it ends in the middle of a section' });
    return this.bytes[this.offset++] ?? 0;
  }

  /** An unsigned LEB128 number of up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < LEB_BYTES_MAX; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffff_ffff) throw new InvalidModuleError({ reason: 'a number is larger than 32 bits' });
        return result;
      }
      shift += 7;
    }
    throw new InvalidModuleError({ reason: 'a LEB128 number is too long' });
  }

  /** Skips a signed or unsigned LEB128 number (its value is not needed). */
  skipLeb(): void {
    for (let i = 0; i < LEB_BYTES_MAX; i++) if ((this.byte() & 0x80) === 0) return;
    throw new InvalidModuleError({ reason: 'a LEB128 number is too long' });
  }

  skip(count: number): void {
    if (this.offset + count > this.end)
      throw new InvalidModuleError({ reason: 'it ends in the middle of a section' });
    this.offset += count;
  }

  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.skip(length);
    return new TextDecoder().decode(this.bytes.subarray(start, start + length));
  }
}

/** Encodes an unsigned LEB128 number. */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Encodes a signed LEB128 number (for `i64.const` fuel charges; they stay far below 2^53). */
export function encodeS64(value: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const signBitSet = (byte & 0x40) !== 0;
    if ((rest === 0n && !signBitSet) || (rest === -1n && signBitSet)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
