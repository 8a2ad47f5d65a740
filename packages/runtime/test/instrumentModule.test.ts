import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instrumentModule } from '../src/index.ts';
import { GUESTS, wat } from './support/wat.ts';

const refuse = (bytes: Uint8Array, reason: RegExp) =>
  assert.throws(
    () => instrumentModule(bytes, { memoryPagesMax: 16 }),
    (error: Error & { code?: string }) => error.code === 'INVALID_MODULE' && reason.test(error.message),
  );

describe('instrumentModule', () => {
  it('keeps a module valid and adds its meters as exports', () => {
    const instrumented = instrumentModule(wat(GUESTS.sum), { memoryPagesMax: 16 });
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(instrumented)).map(
      (entry) => entry.name,
    );
    assert.deepEqual(exports.sort(), [
      '__proofgrid_depth',
      '__proofgrid_fuel',
      '__proofgrid_grow',
      '_start',
      'memory',
    ]);
  });

  it('caps the memory maximum at the limit', () => {
    const instrumented = instrumentModule(
      wat('(module (memory (export "memory") 1 100) (func (export "_start")))'),
      { memoryPagesMax: 8 },
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(instrumented));
    const memory = instance.exports.memory as WebAssembly.Memory;
    assert.throws(() => memory.grow(8));
    assert.equal(memory.grow(7), 1);
  });

  it('caps table growth, so table.grow cannot fill host memory', () => {
    const guest = wat(
      '(module (table (export "t") 1 funcref) (memory (export "memory") 1) (func (export "_start")))',
    );
    const instance = new WebAssembly.Instance(
      new WebAssembly.Module(instrumentModule(guest, { memoryPagesMax: 16 })),
    );
    const table = instance.exports.t as WebAssembly.Table;
    assert.throws(() => table.grow(65_536));
    assert.equal(table.grow(65_535), 1);
    refuse(
      wat('(module (table 70000 funcref) (memory (export "memory") 1) (func (export "_start")))'),
      /70000 elements/,
    );
  });

  it('refuses imports the sandbox does not provide', () => {
    refuse(
      wat('(module (import "env" "now" (func)) (memory (export "memory") 1) (func (export "_start")))'),
      /imports "env\.now"/,
    );
    refuse(
      wat(
        '(module (import "wasi_snapshot_preview1" "path_open" (func)) (memory (export "memory") 1) (func (export "_start")))',
      ),
      /path_open/,
    );
  });

  it('refuses modules without _start or memory, or with too much initial memory', () => {
    refuse(wat('(module (memory (export "memory") 1))'), /no `_start`/);
    refuse(wat('(module (memory 1) (func (export "_start")))'), /no `memory`/);
    refuse(wat('(module (memory (export "memory") 32) (func (export "_start")))'), /32 memory pages/);
  });

  it('refuses SIMD, which is not deterministic across machines', () => {
    const simd = wat(
      '(module (memory (export "memory") 1) (func (export "_start") (drop (v128.const i32x4 1 2 3 4))))',
      { simd: true },
    );
    refuse(simd, /SIMD/);
  });

  it('keeps custom sections wherever they stand, with or without a global section', () => {
    const custom = [0x00, 0x05, 0x04, 0x6e, 0x6f, 0x74, 0x65]; // section 0, "note", no payload
    const withCustomFirst = (bytes: Uint8Array) =>
      new Uint8Array([...bytes.subarray(0, 8), ...custom, ...bytes.subarray(8)]);
    for (const text of [
      GUESTS.sum,
      '(module (global (mut i32) (i32.const 1)) (memory (export "memory") 1) (func (export "_start")))',
    ]) {
      const instrumented = instrumentModule(withCustomFirst(wat(text)), { memoryPagesMax: 16 });
      assert.ok(WebAssembly.validate(instrumented));
    }
  });

  it('refuses a module that already uses the names the instrumentation adds', () => {
    refuse(
      wat(
        '(module (memory (export "memory") 1) (func (export "_start")) (func (export "__proofgrid_init")))',
      ),
      /already instrumented/,
    );
  });

  it('refuses bytes that are not a WebAssembly module', () => {
    refuse(new TextEncoder().encode('not wasm at all'), /not a valid WebAssembly module/);
  });
});
