import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type ExecuteWasmParameters, executeWasm, FIXED_TIME_NS, instrumentModule } from '../src/index.ts';
import { GUESTS, wat } from './support/wat.ts';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

function run(guest: keyof typeof GUESTS, overrides: Partial<ExecuteWasmParameters> = {}) {
  const module = new WebAssembly.Module(instrumentModule(wat(GUESTS[guest]), { memoryPagesMax: 4 }));
  return executeWasm({
    module,
    input: [],
    seed: 'task-1',
    fuelMax: 1_000_000,
    memoryPagesMax: 4,
    outputBytesMax: 1024,
    logBytesMax: 64,
    ...overrides,
  });
}

describe('executeWasm', () => {
  it('gives the guest its input on stdin and keeps what it writes to stdout', () => {
    const result = run('echo', { input: [new Uint8Array([1, 2, 3]), new Uint8Array(0)] });
    assert.deepEqual([...result.output], [3, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0]);
    assert.equal(result.exitCode, 0);
  });

  it('computes the same output with the same fuel on every run, and more fuel for more work', () => {
    const first = run('sum', { input: [u32(1000)] });
    const second = run('sum', { input: [u32(1000)] });
    assert.equal(new DataView(first.output.buffer).getUint32(0, true), (999 * 1000) / 2);
    assert.deepEqual(first, second);
    assert.ok(first.fuelUsed > 1000, 'each loop iteration costs fuel');
    assert.ok(run('sum', { input: [u32(2000)] }).fuelUsed > first.fuelUsed);
  });

  it('gives the same output and fuel in another process', () => {
    const local = run('sum', { input: [u32(777)] });
    const script = `
      import { executeWasm, instrumentModule } from './src/index.ts';
      import { GUESTS, wat } from './test/support/wat.ts';
      const module = new WebAssembly.Module(instrumentModule(wat(GUESTS.sum), { memoryPagesMax: 4 }));
      const result = executeWasm({ module, input: [new Uint8Array(new Uint32Array([777]).buffer)], seed: 'task-1', fuelMax: 1000000, memoryPagesMax: 4, outputBytesMax: 1024, logBytesMax: 64 });
      console.log(JSON.stringify({ output: [...result.output], fuelUsed: result.fuelUsed }));`;
    const child = spawnSync(
      process.execPath,
      ['--conditions=proofgrid-source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: new URL('..', import.meta.url).pathname,
        encoding: 'utf8',
      },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { output: [...local.output], fuelUsed: local.fuelUsed });
  });

  it('stops at exactly the same point when fuel runs out: the fuel it needs passes, one less does not', () => {
    const needed = run('sum', { input: [u32(500)] }).fuelUsed;
    assert.equal(run('sum', { input: [u32(500)], fuelMax: needed }).fuelUsed, needed);
    const short = run('sum', { input: [u32(500)], fuelMax: needed - 1 });
    assert.equal(short.failure?.code, 'FUEL_EXHAUSTED');
    assert.equal(short.fuelUsed, needed - 1, 'a run out of fuel used all of it');
    const spin = run('spin', { fuelMax: 10_000 });
    assert.match(spin.failure?.message ?? '', /used all of its fuel \(10000\)/);
    assert.deepEqual(run('spin', { fuelMax: 10_000 }), spin, 'and fails the same way every time');
  });

  it('stops a guest that grows its memory past the limit with MEMORY_EXHAUSTED', () => {
    const { failure, exitCode } = run('hog');
    assert.equal(failure?.code, 'MEMORY_EXHAUSTED');
    assert.match(failure?.message ?? '', /beyond 4 pages/);
    assert.equal(exitCode, 0);
  });

  it('refuses output past its limit with OUTPUT_TOO_LARGE, and bounds the log silently', () => {
    assert.equal(
      run('echo', { input: [new Uint8Array(100)], outputBytesMax: 50 }).failure?.code,
      'OUTPUT_TOO_LARGE',
    );
    const exited = run('exits', { logBytesMax: 4 });
    assert.equal(exited.exitCode, 3);
    assert.equal(exited.log, 'care');
  });

  it('runs a start function after fuel is set, metered, before _start', () => {
    const guest = wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global $ready (mut i32) (i32.const 0))
      (func $init (local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))) (global.set $ready (i32.const 42)))
      (start $init)
      (func (export "_start")
        (i32.store (i32.const 64) (global.get $ready))
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 1))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const module = new WebAssembly.Module(instrumentModule(guest, { memoryPagesMax: 4 }));
    const base = { module, input: [], seed: 's', memoryPagesMax: 4, outputBytesMax: 16, logBytesMax: 16 };
    const result = executeWasm({ ...base, fuelMax: 1e6 });
    assert.deepEqual([...result.output], [42]);
    assert.ok(result.fuelUsed > 100, 'the start function was charged');
    assert.equal(executeWasm({ ...base, fuelMax: 50 }).failure?.code, 'FUEL_EXHAUSTED');
  });

  it('charges host work to fuel and bounds it: too many I/O vectors, huge random draws, bad pointers', () => {
    const guest = wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        ;; errno of 2000 zero-length vectors, then of an I/O vector list outside memory
        (i32.store8 (i32.const 100) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2000) (i32.const 8)))
        (i32.store8 (i32.const 101) (call $fd_write (i32.const 1) (i32.const 70000) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 2))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (drop (call $random_get (i32.const 200) (i32.const 60000)))))`);
    const module = new WebAssembly.Module(instrumentModule(guest, { memoryPagesMax: 4 }));
    const base = { module, input: [], seed: 's', memoryPagesMax: 4, outputBytesMax: 16, logBytesMax: 16 };
    const result = executeWasm({ ...base, fuelMax: 1e6 });
    assert.deepEqual([...result.output], [28, 21], 'EINVAL for too many vectors, EFAULT outside memory');
    assert.ok(result.fuelUsed > 60_000, 'the 60,000 random bytes were charged');
    assert.equal(executeWasm({ ...base, fuelMax: 30_000 }).failure?.code, 'FUEL_EXHAUSTED');
  });

  it('writes one canonical NaN whatever the CPU produced: stores, reinterprets and copysign agree everywhere', () => {
    const guest = wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (local $zero f64) (local $zero32 f32)
        (f64.store (i32.const 64) (f64.div (local.get $zero) (local.get $zero)))
        (i32.store (i32.const 72) (i32.reinterpret_f32 (f32.div (local.get $zero32) (local.get $zero32))))
        (f64.store (i32.const 76) (f64.copysign (f64.const 1) (f64.neg (f64.div (local.get $zero) (local.get $zero)))))
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 20))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const module = new WebAssembly.Module(instrumentModule(guest, { memoryPagesMax: 4 }));
    const { output } = executeWasm({
      module,
      input: [],
      seed: 's',
      fuelMax: 1e6,
      memoryPagesMax: 4,
      outputBytesMax: 64,
      logBytesMax: 16,
    });
    const view = new DataView(output.buffer);
    assert.equal(view.getBigUint64(0, true), 0x7ff8000000000000n, 'f64 NaN stored canonically');
    assert.equal(view.getUint32(8, true), 0x7fc00000, 'f32 NaN reinterpreted canonically');
    assert.equal(view.getFloat64(12, true), 1, 'copysign takes the canonical (positive) sign');
  });

  it('reports a trap as a WASM_TRAP failure, with the fuel used until then', () => {
    const { failure, fuelUsed } = run('divides');
    assert.equal(failure?.code, 'WASM_TRAP');
    assert.match(failure?.message ?? '', /divide by zero/);
    assert.ok(fuelUsed > 0 && fuelUsed < 1_000_000);
  });

  it('seeds randomness with the task id and reads a fixed clock', () => {
    const a = run('entropy', { seed: 'task-a' });
    assert.deepEqual(run('entropy', { seed: 'task-a' }).output, a.output);
    assert.notDeepEqual(run('entropy', { seed: 'task-b' }).output.subarray(0, 16), a.output.subarray(0, 16));
    assert.equal(new DataView(a.output.buffer).getBigUint64(16, true), FIXED_TIME_NS);
  });
});
