import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { instrumentModule, WasmSandbox } from '../src/index.ts';
import { GUESTS, wat } from './support/wat.ts';

const compile = (guest: keyof typeof GUESTS) => instrumentModule(wat(GUESTS[guest]), { memoryPagesMax: 4 });
const limits = { seed: 'task', memoryPagesMax: 4, outputBytesMax: 1024, logBytesMax: 64 };

describe('WasmSandbox', () => {
  const sandbox = new WasmSandbox();
  after(() => sandbox.close());

  it('runs a task in a child process with the same result as in this thread', async () => {
    const result = await sandbox.run({
      ...limits,
      module: compile('sum'),
      input: [new Uint8Array(new Uint32Array([100]).buffer)],
      fuelMax: 1e6,
      wallTimeMsMax: 30_000,
    });
    assert.equal(new DataView(result.output.buffer).getUint32(0, true), 4950);
    assert.ok(result.fuelUsed > 100);
  });

  it('stops deep recursion at the same depth on every machine: STACK_EXHAUSTED, not an engine overflow', async () => {
    const depth = (n: number) => [new Uint8Array(new Uint32Array([n]).buffer)];
    const shallow = await sandbox.run({
      ...limits,
      module: compile('recurse'),
      input: depth(1000),
      fuelMax: 1e9,
      wallTimeMsMax: 30_000,
    });
    assert.deepEqual([...shallow.output], [1]);
    for (const n of [1_000_000, 100_000_000]) {
      const deep = await sandbox.run({
        ...limits,
        module: compile('recurse'),
        input: depth(n),
        fuelMax: 1e12,
        wallTimeMsMax: 30_000,
      });
      assert.equal(deep.failure?.code, 'STACK_EXHAUSTED');
    }
  });

  it('passes a failed run back as its result, with the fuel it used', async () => {
    const result = await sandbox.run({
      ...limits,
      module: compile('spin'),
      input: [],
      fuelMax: 5000,
      wallTimeMsMax: 30_000,
    });
    assert.equal(result.failure?.code, 'FUEL_EXHAUSTED');
    assert.equal(result.fuelUsed, 5000);
  });

  it('fails a run at once, with a ProofGrid error, when its process stops under it', async () => {
    const running = sandbox.run({
      ...limits,
      module: compile('spin'),
      input: [],
      fuelMax: 1e15,
      wallTimeMsMax: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sandbox.close();
    await assert.rejects(
      running,
      (error: Error & { code?: string }) =>
        error.code === 'WASM_TRAP' && /sandbox process stopped/.test(error.message),
    );
  });

  it('kills a run past its wall-clock limit, then runs the next task in a fresh process', async () => {
    await assert.rejects(
      sandbox.run({ ...limits, module: compile('spin'), input: [], fuelMax: 1e15, wallTimeMsMax: 1500 }),
      { code: 'WALL_TIME_EXCEEDED' },
    );
    const next = await sandbox.run({
      ...limits,
      module: compile('echo'),
      input: [new Uint8Array([9])],
      fuelMax: 1e6,
      wallTimeMsMax: 30_000,
    });
    assert.deepEqual([...next.output], [1, 0, 0, 0, 9]);
  });

  it('holds a suspended run where it is, without counting that time against its wall-clock limit', async () => {
    const suspended = new WasmSandbox();
    try {
      // Warm the process, so the run below starts at once.
      await suspended.run({
        ...limits,
        module: compile('echo'),
        input: [],
        fuelMax: 1e6,
        wallTimeMsMax: 30_000,
      });
      const pid = suspended.pid;
      assert.ok(pid !== undefined);
      suspended.suspend();
      let finished = false;
      const running = suspended
        .run({
          ...limits,
          module: compile('sum'),
          input: [new Uint8Array(new Uint32Array([100_000]).buffer)],
          fuelMax: 1e9,
          wallTimeMsMax: 1000,
        })
        .finally(() => {
          finished = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(finished, false, 'a suspended run does not progress');
      assert.equal(processState(pid), 'T', 'the sandbox process is stopped');
      suspended.resume();
      const result = await running;
      assert.equal(new DataView(result.output.buffer).getUint32(0, true), ((100_000 * 99_999) / 2) % 2 ** 32);
    } finally {
      await suspended.close();
    }
  });

  it('exits its process when closed, even while suspended', async () => {
    const closing = new WasmSandbox();
    await closing.run({ ...limits, module: compile('echo'), input: [], fuelMax: 1e6, wallTimeMsMax: 30_000 });
    const pid = closing.pid;
    assert.ok(pid !== undefined);
    closing.suspend();
    await closing.close();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});

/** The process state letter from /proc (Linux): `T` when stopped. */
function processState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
}
