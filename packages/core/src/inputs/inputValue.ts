import { assert } from '../assert.ts';

/**
 * Encoders for input values, so nobody has to hand-encode base64: numbers are big-endian bytes (seed 004's
 * format, and how Noir programs read their parameters), text is UTF-8.
 *
 * @example
 * encodeInputCsv([inputValue.u32(7), inputValue.text('hello')]); // 'AAAABw==\naGVsbG8=\n'
 */
export const inputValue = {
  /** An unsigned integer in `bytes` big-endian bytes. */
  integer(value: bigint | number, bytes: number): Uint8Array {
    assert(Number.isInteger(bytes) && bytes >= 1 && bytes <= 32, 'an integer takes 1 to 32 bytes');
    let rest = BigInt(value);
    if (rest < 0n || rest >= 1n << BigInt(bytes * 8))
      throw new RangeError(`${value} does not fit in ${bytes} unsigned byte(s)`);
    const out = new Uint8Array(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      out[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return out;
  },
  /** An unsigned 32-bit integer: 4 big-endian bytes. */
  u32(value: number | bigint): Uint8Array {
    return inputValue.integer(value, 4);
  },
  /** An unsigned 64-bit integer: 8 big-endian bytes. */
  u64(value: number | bigint): Uint8Array {
    return inputValue.integer(value, 8);
  },
  /** Text as UTF-8. */
  text(value: string): Uint8Array {
    return new TextEncoder().encode(value);
  },
  /** A JSON value as UTF-8 text (Noir arrays and structs). */
  json(value: unknown): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(value));
  },
  /** Bytes from hexadecimal (with or without 0x). */
  hex(value: string): Uint8Array {
    const digits = value.startsWith('0x') ? value.slice(2) : value;
    if (!/^([0-9a-fA-F]{2})*$/.test(digits))
      throw new RangeError(`"${value}" is not an even number of hex digits`);
    return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  },
} as const;
