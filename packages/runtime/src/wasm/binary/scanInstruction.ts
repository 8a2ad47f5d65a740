import { InvalidModuleError } from '../errors.ts';
import type { ByteReader } from './ByteReader.ts';

/** The value types a module may use: i32, i64, f32, f64, funcref, externref. */
const VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f]);
/** The empty block type. */
const EMPTY_BLOCK_TYPE = 0x40;

/**
 * Reads one value type. Typed references and GC types (newer engines accept them) are refused: their
 * encodings are longer than a byte, and the instrumentation would misread what follows them.
 */
export function readValueType(reader: ByteReader): number {
  const type = reader.byte();
  if (!VALUE_TYPES.has(type)) {
    throw new InvalidModuleError({
      reason: `it uses value type 0x${type.toString(16)} (typed references and GC are not allowed)`,
    });
  }
  return type;
}

export const OP_BLOCK = 0x02;
export const OP_LOOP = 0x03;
export const OP_IF = 0x04;
export const OP_END = 0x0b;
export const OP_MEMORY_GROW = 0x40;
export const OP_CALL = 0x10;
export const OP_CALL_INDIRECT = 0x11;

/**
 * Reads one instruction and its immediates, returning its opcode. Accepts WebAssembly 1.0 with sign
 * extension, saturating truncation, bulk memory, reference types and multi-value; refuses tail calls, SIMD,
 * threads, exceptions and GC with {@link InvalidModuleError} — each is either nondeterministic across
 * machines or not needed by the compilers we target.
 */
export function scanInstruction(reader: ByteReader): number {
  const opcode = reader.byte();
  if (opcode === OP_BLOCK || opcode === OP_LOOP || opcode === OP_IF) {
    const first = reader.bytes[reader.offset] ?? 0;
    if (first === EMPTY_BLOCK_TYPE) reader.skip(1);
    else if (first < EMPTY_BLOCK_TYPE)
      reader.skipLeb(); // a (non-negative) type index: multi-value
    else readValueType(reader);
    return opcode;
  }
  if (opcode <= 0x01 || opcode === 0x05 || opcode === OP_END || opcode === 0x0f) return opcode;
  if (opcode === 0x12 || opcode === 0x13) {
    // A tail call replaces a frame by another of a different size, which the stack budget cannot follow.
    throw new InvalidModuleError({ reason: 'it uses tail calls (return_call), which are not supported' });
  }
  if (opcode === 0x0c || opcode === 0x0d || opcode === OP_CALL) {
    reader.u32();
    return opcode;
  }
  if (opcode === 0x0e) {
    const count = reader.u32();
    for (let i = 0; i <= count; i++) reader.u32();
    return opcode;
  }
  if (opcode === OP_CALL_INDIRECT) {
    reader.u32();
    reader.u32();
    return opcode;
  }
  if (opcode === 0x1a || opcode === 0x1b) return opcode;
  if (opcode === 0x1c) {
    const count = reader.u32();
    for (let i = 0; i < count; i++) readValueType(reader);
    return opcode;
  }
  if (opcode >= 0x20 && opcode <= 0x26) {
    reader.u32();
    return opcode;
  }
  if (opcode >= 0x28 && opcode <= 0x3e) {
    const align = reader.u32();
    if ((align & 0x40) !== 0) reader.u32(); // multi-memory index
    reader.u32(); // offset
    return opcode;
  }
  if (opcode === 0x3f || opcode === OP_MEMORY_GROW) {
    reader.u32();
    return opcode;
  }
  if (opcode === 0x41 || opcode === 0x42) {
    reader.skipLeb();
    return opcode;
  }
  if (opcode === 0x43) {
    reader.skip(4);
    return opcode;
  }
  if (opcode === 0x44) {
    reader.skip(8);
    return opcode;
  }
  if (opcode >= 0x45 && opcode <= 0xc4) return opcode;
  if (opcode === 0xd0) {
    const heapType = reader.byte();
    if (heapType !== 0x70 && heapType !== 0x6f)
      throw new InvalidModuleError({ reason: 'it uses typed references (ref.null of a type index)' });
    return opcode;
  }
  if (opcode === 0xd1) return opcode;
  if (opcode === 0xd2) {
    reader.u32();
    return opcode;
  }
  if (opcode === 0xfc) {
    scanMiscInstruction(reader);
    return opcode;
  }
  throw new InvalidModuleError({
    reason: `it uses instruction 0x${opcode.toString(16)} (SIMD, threads, exceptions and GC are not allowed)`,
  });
}

/** The 0xFC family: saturating truncation (no immediate), bulk memory and table instructions. */
function scanMiscInstruction(reader: ByteReader): void {
  const sub = reader.u32();
  const immediates: Record<number, number> = {
    8: 2,
    9: 1,
    10: 2,
    11: 1,
    12: 2,
    13: 1,
    14: 2,
    15: 1,
    16: 1,
    17: 1,
  };
  if (sub <= 7) return;
  const count = immediates[sub];
  if (count === undefined)
    throw new InvalidModuleError({ reason: `it uses instruction 0xfc ${sub}, which is not supported` });
  for (let i = 0; i < count; i++) reader.u32();
}
