import { assert, MODULE_SIZE_BYTES_MAX, TABLE_ELEMENTS_MAX } from '@proofgrid/core';
import { ALLOWED_WASI_FUNCTIONS, WASI_MODULE } from './allowedImports.ts';
import { ByteReader, encodeS64, encodeU32 } from './binary/ByteReader.ts';
import {
  OP_BLOCK,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_END,
  OP_IF,
  OP_LOOP,
  OP_MEMORY_GROW,
  readValueType,
  scanInstruction,
} from './binary/scanInstruction.ts';
import { InvalidModuleError } from './errors.ts';

/** Names of the globals the instrumentation adds and exports, for the host to read and write. */
export const FUEL_GLOBAL = '__proofgrid_fuel';
export const GROW_GLOBAL = '__proofgrid_grow';
export const DEPTH_GLOBAL = '__proofgrid_depth';
/**
 * A deterministic call-stack budget, in estimated bytes: each call adds its callee's frame estimate
 * (FRAME_BASE_BYTES + FRAME_BYTES_PER_LOCAL per parameter and local) and traps past the budget. The real
 * stack depends on the engine and its compiler tier; this limit does not, so deep recursion fails the same
 * way on every machine. The sandbox worker's real stack is far larger than the budget.
 */
export const STACK_BUDGET_BYTES = 512 * 1024;
const FRAME_BASE_BYTES = 64;
const FRAME_BYTES_PER_LOCAL = 16;
/** Locals one function may declare; beyond this a frame estimate is meaningless. */
const LOCALS_PER_FUNCTION_MAX = 50_000;
/** The module's start function, exported instead of run at instantiation (when no fuel is set yet). */
export const INIT_FUNCTION = '__proofgrid_init';

const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  code: 10,
} as const;
/** Where a new global section goes: after every section whose id orders before it. */
const SECTIONS_BEFORE_GLOBAL = new Set([1, 2, 3, 4, 5, 13]);

/** A section: where its header starts, where its payload starts and ends. */
type Section = { id: number; headerStart: number; start: number; end: number };

export type InstrumentModuleOptions = {
  /** Pages of 64 KiB the module's memory may grow to. */
  memoryPagesMax: number;
};

/**
 * Validates a WASI module and rewrites it for deterministic metering:
 * - fuel: every function entry and every loop iteration subtracts the static instruction count of its
 *   straight-line body from an exported i64 global and traps when it goes below zero, so a run stops at
 *   exactly the same instruction on every machine;
 * - memory: the maximum is capped, and a failed `memory.grow` traps with a flag the host can read;
 * - start: a start function (AssemblyScript emits one) is exported as `__proofgrid_init` instead, for the
 *   host to call, metered, once fuel is set;
 * - imports: only the WASI functions the sandbox provides.
 *
 * @throws {InvalidModuleErrorType}
 */
export function instrumentModule(
  bytes: Uint8Array,
  options: InstrumentModuleOptions,
): Uint8Array<ArrayBuffer> {
  if (bytes.length > MODULE_SIZE_BYTES_MAX) {
    throw new InvalidModuleError({ reason: `it is larger than ${MODULE_SIZE_BYTES_MAX} bytes` });
  }
  if (!WebAssembly.validate(new Uint8Array(bytes)))
    throw new InvalidModuleError({ reason: 'it is not a valid WebAssembly module' });
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((section) => section.id === id);
  const startSection = find(SECTION.start);
  const startFunction = startSection
    ? new ByteReader(bytes, startSection.start, startSection.end).u32()
    : undefined;
  const importedFunctions = checkImports(bytes, find(SECTION.import));
  checkExports(bytes, find(SECTION.export));
  const globalSection = find(SECTION.global);
  const definedGlobals = globalSection
    ? new ByteReader(bytes, globalSection.start, globalSection.end).u32()
    : 0;
  // Only functions may be imported, so the added globals follow the module's own.
  const meters: Meters = {
    fuelIndex: definedGlobals,
    growIndex: definedGlobals + 1,
    depthIndex: definedGlobals + 2,
    ...analyzeFunctions(bytes, { sections, importedFunctions }),
  };

  const out: number[] = [...bytes.subarray(0, 8)];
  let globalWritten = false;
  const writeGlobals = () => {
    writeSection(out, SECTION.global, globalPayload(bytes, globalSection));
    globalWritten = true;
  };
  for (const section of sections) {
    // Custom sections (id 0) may stand anywhere and say nothing about where the global section goes.
    const globalBelongsHere =
      globalSection === undefined && section.id !== SECTION.custom && !SECTIONS_BEFORE_GLOBAL.has(section.id);
    if (!globalWritten && globalBelongsHere) writeGlobals();
    if (section.id === SECTION.global) writeGlobals();
    else if (section.id === SECTION.table) writeSection(out, section.id, tablePayload(bytes, section));
    else if (section.id === SECTION.memory)
      writeSection(out, section.id, memoryPayload(bytes, section, options.memoryPagesMax));
    else if (section.id === SECTION.export)
      writeSection(out, section.id, exportPayload(bytes, section, { meters, startFunction }));
    else if (section.id === SECTION.code) writeSection(out, section.id, codePayload(bytes, section, meters));
    else if (section.id !== SECTION.start) append(out, bytes.subarray(section.headerStart, section.end));
  }
  if (!globalWritten) writeGlobals();
  const result = new Uint8Array(out);
  // The input was valid; if the rewrite is not, the module uses something this rewriter does not know.
  if (!WebAssembly.validate(result))
    throw new InvalidModuleError({ reason: 'it uses a construct ProofGrid cannot meter' });
  return result;
}

/**
 * Where the added globals are; each function's frame estimate (imports first, as indices run); and how many
 * parameters and locals each defined function has, so its two scratch locals get the next indices.
 */
type Meters = {
  fuelIndex: number;
  growIndex: number;
  depthIndex: number;
  frameBytes: number[];
  localCounts: number[];
};

/**
 * Estimated stack bytes of each function's frame, from its parameters and locals; 0 for functions whose
 * calls need no accounting (imports, and functions that call nothing).
 */
function analyzeFunctions(
  bytes: Uint8Array,
  { sections, importedFunctions }: { sections: Section[]; importedFunctions: number },
): { frameBytes: number[]; localCounts: number[] } {
  const section = (id: number) => sections.find((candidate) => candidate.id === id);
  const parameterCounts: number[] = [];
  const types = section(SECTION.type);
  if (types !== undefined) {
    const reader = new ByteReader(bytes, types.start, types.end);
    const count = reader.u32();
    for (let i = 0; i < count; i++) {
      if (reader.byte() !== 0x60)
        throw new InvalidModuleError({ reason: 'its type section holds more than function types' });
      const parameters = reader.u32();
      for (let p = 0; p < parameters; p++) readValueType(reader);
      const results = reader.u32();
      for (let r = 0; r < results; r++) readValueType(reader);
      parameterCounts.push(parameters);
    }
  }
  // Imported functions are the host's: they never call back into the guest.
  const frames: number[] = new Array(importedFunctions).fill(0);
  const localCounts: number[] = [];
  const functions = section(SECTION.function);
  const code = section(SECTION.code);
  if (functions === undefined || code === undefined) return { frameBytes: frames, localCounts };
  const signatures = new ByteReader(bytes, functions.start, functions.end);
  const bodies = new ByteReader(bytes, code.start, code.end);
  const count = signatures.u32();
  if (bodies.u32() !== count)
    throw new InvalidModuleError({ reason: 'its function and code sections disagree' });
  for (let i = 0; i < count; i++) {
    const parameters = parameterCounts[signatures.u32()] ?? 0;
    const size = bodies.u32();
    const body = new ByteReader(bytes, bodies.offset, bodies.offset + size);
    let locals = 0;
    const groups = body.u32();
    for (let g = 0; g < groups; g++) {
      locals += body.u32();
      readValueType(body);
      if (locals > LOCALS_PER_FUNCTION_MAX)
        throw new InvalidModuleError({
          reason: `a function declares more than ${LOCALS_PER_FUNCTION_MAX} locals`,
        });
    }
    // A function that calls nothing adds one frame at most, and cannot recurse: it needs no accounting.
    frames.push(callsAnything(body) ? FRAME_BASE_BYTES + FRAME_BYTES_PER_LOCAL * (parameters + locals) : 0);
    localCounts.push(parameters + locals);
    bodies.skip(size);
  }
  return { frameBytes: frames, localCounts };
}

function callsAnything(body: ByteReader): boolean {
  while (!body.done) {
    const opcode = scanInstruction(body);
    if (opcode === OP_CALL || opcode === OP_CALL_INDIRECT) return true;
  }
  return false;
}

function readSections(bytes: Uint8Array): Section[] {
  const reader = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!reader.done) {
    const headerStart = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    sections.push({ id, headerStart, start: reader.offset, end: reader.offset + size });
    reader.skip(size);
  }
  return sections;
}

function writeSection(out: number[], id: number, payload: number[]): void {
  out.push(id, ...encodeU32(payload.length));
  append(out, payload);
}

/** Appends without spreading: a function body can hold more bytes than a call may take arguments. */
function append(out: number[], items: ArrayLike<number>): void {
  for (let i = 0; i < items.length; i++) out.push(items[i] ?? 0);
}

/** Refuses imports other than the sandbox's WASI functions; returns how many functions are imported. */
function checkImports(bytes: Uint8Array, section: Section | undefined): number {
  if (section === undefined) return 0;
  const reader = new ByteReader(bytes, section.start, section.end);
  const allowed = new Set<string>(ALLOWED_WASI_FUNCTIONS);
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const module = reader.name();
    const name = reader.name();
    const kind = reader.byte();
    if (kind !== 0 || module !== WASI_MODULE || !allowed.has(name)) {
      throw new InvalidModuleError({
        reason: `it imports "${module}.${name}"; only these ${WASI_MODULE} functions are provided: ${ALLOWED_WASI_FUNCTIONS.join(', ')}`,
      });
    }
    reader.u32(); // type index
  }
  return count;
}

function checkExports(bytes: Uint8Array, section: Section | undefined): void {
  const exports = new Map<string, number>();
  if (section !== undefined) {
    const reader = new ByteReader(bytes, section.start, section.end);
    const count = reader.u32();
    for (let i = 0; i < count; i++) {
      const name = reader.name();
      exports.set(name, reader.byte());
      reader.u32();
    }
  }
  if (exports.get('_start') !== 0)
    throw new InvalidModuleError({ reason: 'it exports no `_start` function' });
  if (exports.get('memory') !== 2) throw new InvalidModuleError({ reason: 'it exports no `memory`' });
  if ([FUEL_GLOBAL, GROW_GLOBAL, DEPTH_GLOBAL, INIT_FUNCTION].some((name) => exports.has(name)))
    throw new InvalidModuleError({ reason: 'it is already instrumented' });
}

function globalPayload(bytes: Uint8Array, section: Section | undefined): number[] {
  // The fuel counter (i64), the last memory.grow result (i32) and the stack estimate (i32), mutable, 0.
  const added = [
    0x7e,
    0x01,
    0x42,
    0x00,
    OP_END,
    0x7f,
    0x01,
    0x41,
    0x00,
    OP_END,
    0x7f,
    0x01,
    0x41,
    0x00,
    OP_END,
  ];
  if (section === undefined) return [...encodeU32(3), ...added];
  const reader = new ByteReader(bytes, section.start, section.end);
  const count = reader.u32();
  const out = encodeU32(count + 3);
  append(out, bytes.subarray(reader.offset, section.end));
  out.push(...added);
  return out;
}

function memoryPayload(bytes: Uint8Array, section: Section, memoryPagesMax: number): number[] {
  const reader = new ByteReader(bytes, section.start, section.end);
  if (reader.u32() !== 1) throw new InvalidModuleError({ reason: 'it must define exactly one memory' });
  const flags = reader.byte();
  if (flags > 1) throw new InvalidModuleError({ reason: 'its memory is shared or 64-bit' });
  const minimum = reader.u32();
  const maximum = flags === 1 ? reader.u32() : Number.POSITIVE_INFINITY;
  if (minimum > memoryPagesMax) {
    throw new InvalidModuleError({
      reason: `it starts with ${minimum} memory pages, more than the limit of ${memoryPagesMax}`,
    });
  }
  return [1, 0x01, ...encodeU32(minimum), ...encodeU32(Math.min(maximum, memoryPagesMax))];
}

/** Caps every table's maximum: `table.grow` must not let a guest fill host memory for a few fuel. */
function tablePayload(bytes: Uint8Array, section: Section): number[] {
  const reader = new ByteReader(bytes, section.start, section.end);
  const count = reader.u32();
  const out = encodeU32(count);
  for (let i = 0; i < count; i++) {
    const referenceType = reader.byte();
    const flags = reader.byte();
    if (flags > 1) throw new InvalidModuleError({ reason: 'it has a shared or 64-bit table' });
    const minimum = reader.u32();
    const maximum = flags === 1 ? reader.u32() : Number.POSITIVE_INFINITY;
    if (minimum > TABLE_ELEMENTS_MAX) {
      throw new InvalidModuleError({
        reason: `a table starts with ${minimum} elements, more than the limit of ${TABLE_ELEMENTS_MAX}`,
      });
    }
    out.push(referenceType, 0x01, ...encodeU32(minimum), ...encodeU32(Math.min(maximum, TABLE_ELEMENTS_MAX)));
  }
  if (!reader.done) throw new InvalidModuleError({ reason: 'its table section holds more than tables' });
  return out;
}

function exportPayload(
  bytes: Uint8Array,
  section: Section,
  { meters, startFunction }: { meters: Meters; startFunction: number | undefined },
): number[] {
  const reader = new ByteReader(bytes, section.start, section.end);
  const count = reader.u32();
  const entry = (name: string, kind: number, index: number) => [
    ...encodeU32(name.length),
    ...new TextEncoder().encode(name),
    kind,
    ...encodeU32(index),
  ];
  const added = [
    entry(FUEL_GLOBAL, 0x03, meters.fuelIndex),
    entry(GROW_GLOBAL, 0x03, meters.growIndex),
    entry(DEPTH_GLOBAL, 0x03, meters.depthIndex),
  ];
  if (startFunction !== undefined) added.push(entry(INIT_FUNCTION, 0x00, startFunction));
  const out = encodeU32(count + added.length);
  append(out, bytes.subarray(reader.offset, section.end));
  for (const bytesOfEntry of added) append(out, bytesOfEntry);
  return out;
}

function codePayload(bytes: Uint8Array, section: Section, meters: Meters): number[] {
  const reader = new ByteReader(bytes, section.start, section.end);
  const count = reader.u32();
  const out = encodeU32(count);
  for (let i = 0; i < count; i++) {
    const size = reader.u32();
    const scratchIndex = meters.localCounts[i];
    assert(scratchIndex !== undefined, 'every body was analyzed');
    const body = meterFunction(
      bytes,
      { start: reader.offset, end: reader.offset + size, scratchIndex },
      meters,
    );
    out.push(...encodeU32(body.length));
    append(out, body);
    reader.skip(size);
  }
  return out;
}

/**
 * Rewrites one function body. Each metering scope (the function, each loop) is charged, where it starts,
 * the number of instructions it holds outside nested loops; a nested loop is charged on each of its own
 * iterations. The counts are static, so the same module always charges the same fuel for the same path.
 */
function meterFunction(
  bytes: Uint8Array,
  { start, end, scratchIndex }: { start: number; end: number; scratchIndex: number },
  meters: Meters,
): number[] {
  const reader = new ByteReader(bytes, start, end);
  const localGroups = reader.u32();
  const groupsStart = reader.offset;
  for (let i = 0; i < localGroups; i++) {
    reader.u32();
    readValueType(reader);
  }
  const costs: number[] = [0];
  type Insertion = {
    offset: number;
    scope?: number;
    grow?: true;
    enter?: number;
    leave?: number;
    canonicalize?: 'f32' | 'f64';
  };
  const insertions: Insertion[] = [{ offset: reader.offset, scope: 0 }];
  const indirectFrameBytes = Math.max(0, ...meters.frameBytes);
  // The frames of nested blocks: the metering scope each one belongs to.
  const frames: number[] = [0];
  while (!reader.done) {
    const scope = frames[frames.length - 1];
    assert(scope !== undefined, 'an instruction lies inside the function');
    const instructionStart = reader.offset;
    const opcode = scanInstruction(reader);
    costs[scope] = (costs[scope] ?? 0) + 1;
    if (opcode === OP_LOOP) {
      costs.push(0);
      frames.push(costs.length - 1);
      insertions.push({ offset: reader.offset, scope: costs.length - 1 });
    } else if (opcode === OP_BLOCK || opcode === OP_IF) {
      frames.push(scope);
    } else if (opcode === OP_END) {
      frames.pop();
      if (frames.length === 0) break;
    } else if (opcode === OP_MEMORY_GROW) {
      insertions.push({ offset: reader.offset, grow: true });
    } else if (NAN_OBSERVERS_F32.has(opcode) || NAN_OBSERVERS_F64.has(opcode)) {
      insertions.push({
        offset: instructionStart,
        canonicalize: NAN_OBSERVERS_F32.has(opcode) ? 'f32' : 'f64',
      });
    } else if (opcode === OP_CALL || opcode === OP_CALL_INDIRECT) {
      const callee = opcode === OP_CALL ? new ByteReader(bytes, instructionStart + 1, end).u32() : -1;
      const frame = callee >= 0 ? (meters.frameBytes[callee] ?? FRAME_BASE_BYTES) : indirectFrameBytes;
      if (frame > 0)
        insertions.push({ offset: instructionStart, enter: frame }, { offset: reader.offset, leave: frame });
    }
  }
  if (frames.length !== 0 || reader.offset !== end)
    throw new InvalidModuleError({ reason: 'a function body is malformed' });

  // The locals as declared, plus one f32 and one f64 scratch local for NaN canonicalization.
  const out: number[] = [...encodeU32(localGroups + 2)];
  append(out, bytes.subarray(groupsStart, insertions[0]?.offset ?? groupsStart));
  out.push(1, 0x7d, 1, 0x7c);
  for (const [index, insertion] of insertions.entries()) {
    if (insertion.grow) out.push(...growCheck(meters.growIndex));
    else if (insertion.canonicalize !== undefined)
      out.push(...canonicalizeNan(insertion.canonicalize, scratchIndex));
    else if (insertion.enter !== undefined) out.push(...enterCall(meters.depthIndex, insertion.enter));
    else if (insertion.leave !== undefined) out.push(...leaveCall(meters.depthIndex, insertion.leave));
    else out.push(...charge(meters.fuelIndex, Math.max(1, costs[insertion.scope ?? 0] ?? 1)));
    const next = insertions[index + 1]?.offset ?? end;
    for (let i = insertion.offset; i < next; i++) out.push(bytes[i] ?? 0);
  }
  return out;
}

/**
 * Instructions through which a NaN's sign and payload bits become visible — reinterpreting, storing,
 * copysign — which WebAssembly leaves to the hardware. The value on top of the stack is replaced by the
 * one canonical quiet NaN first, so replicas on different CPUs compute the same bytes.
 */
const NAN_OBSERVERS_F32 = new Set([0xbc, 0x38, 0x98]); // i32.reinterpret_f32, f32.store, f32.copysign
const NAN_OBSERVERS_F64 = new Set([0xbd, 0x39, 0xa6]); // i64.reinterpret_f64, f64.store, f64.copysign

/** local.set t; if (t != t) then canonical NaN else t */
function canonicalizeNan(type: 'f32' | 'f64', scratchIndex: number): number[] {
  const local = encodeU32(type === 'f32' ? scratchIndex : scratchIndex + 1);
  const [notEqual, valueType, constant] =
    type === 'f32'
      ? [0x5c, 0x7d, [0x43, 0x00, 0x00, 0xc0, 0x7f]]
      : [0x62, 0x7c, [0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f]];
  return [
    0x21,
    ...local,
    0x20,
    ...local,
    0x20,
    ...local,
    notEqual,
    0x04,
    valueType,
    ...constant,
    0x05,
    0x20,
    ...local,
    OP_END,
  ];
}

/** depth += frame; if (depth > budget) unreachable */
function enterCall(depthIndex: number, frameBytes: number): number[] {
  const global = encodeU32(depthIndex);
  return [
    0x23,
    ...global,
    0x41,
    ...encodeS64(frameBytes),
    0x6a,
    0x24,
    ...global,
    0x23,
    ...global,
    0x41,
    ...encodeS64(STACK_BUDGET_BYTES),
    0x4b,
    0x04,
    0x40,
    0x00,
    OP_END,
  ];
}

/** depth -= frame */
function leaveCall(depthIndex: number, frameBytes: number): number[] {
  const global = encodeU32(depthIndex);
  return [0x23, ...global, 0x41, ...encodeS64(frameBytes), 0x6b, 0x24, ...global];
}

/** fuel -= cost; if (fuel < 0) unreachable */
function charge(fuelIndex: number, cost: number): number[] {
  const global = encodeU32(fuelIndex);
  return [
    0x23,
    ...global,
    0x42,
    ...encodeS64(cost),
    0x7d,
    0x24,
    ...global,
    0x23,
    ...global,
    0x42,
    0x00,
    0x53,
    0x04,
    0x40,
    0x00,
    OP_END,
  ];
}

/** Keeps memory.grow's result, and traps when it is -1 (the memory limit was reached). */
function growCheck(growIndex: number): number[] {
  const global = encodeU32(growIndex);
  return [0x24, ...global, 0x23, ...global, 0x41, 0x7f, 0x46, 0x04, 0x40, 0x00, OP_END, 0x23, ...global];
}
