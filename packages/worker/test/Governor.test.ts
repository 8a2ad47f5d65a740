import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { instrumentModule, WasmSandbox } from '@proofgrid/runtime';
import { Governor, processCpuMs } from '../src/index.ts';

/** `(func (export "_start") (loop br 0))` with one page of memory, assembled by hand. */
const SPIN = instrumentModule(
  new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
    0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
    0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40,
    0x0c, 0x00, 0x0b, 0x0b,
  ]),
  { memoryPagesMax: 1 },
);
const spinForever = (sandbox: WasmSandbox) =>
  sandbox
    .run({
      module: SPIN,
      input: [],
      seed: 'spin',
      fuelMax: 1e15,
      memoryPagesMax: 1,
      outputBytesMax: 16,
      logBytesMax: 16,
      wallTimeMsMax: 600_000,
    })
    .catch(() => undefined);

/** CPU milliseconds the sandbox process uses over `ms` of wall time. */
async function cpuOver(sandbox: WasmSandbox, ms: number): Promise<number> {
  const pid = sandbox.pid;
  assert.ok(pid !== undefined, 'the sandbox has a process');
  const before = processCpuMs(pid);
  await sleep(ms);
  return processCpuMs(pid) - before;
}

describe('Governor', () => {
  it('refuses a CPU share outside 0.001 and the number of cores', () => {
    assert.throws(() => new Governor({ cpus: 0, onlyWhenIdle: undefined }), /between 0.001 and/);
    assert.throws(() => new Governor({ cpus: 1e6, onlyWhenIdle: undefined }), /cores/);
  });

  it('splits a share into whole sandboxes running part of the time', () => {
    const governor = new Governor({ cpus: 0.25, onlyWhenIdle: undefined });
    assert.deepEqual([governor.slots(), governor.duty()], [1, 0.25]);
  });

  it('holds a running task to its CPU share, and stops it entirely while paused', async () => {
    const sandbox = new WasmSandbox();
    const governor = new Governor({ cpus: 0.25, onlyWhenIdle: undefined });
    try {
      await sandbox
        .run({
          module: SPIN,
          input: [],
          seed: 'warm',
          fuelMax: 1000,
          memoryPagesMax: 1,
          outputBytesMax: 16,
          logBytesMax: 16,
          wallTimeMsMax: 60_000,
        })
        .catch(() => undefined);
      governor.add(sandbox);
      governor.start();
      const running = spinForever(sandbox);
      await sleep(200);
      // A quarter of 2 s is 500 ms; an unthrottled spin would use all 2000. Noise only lowers the figure.
      const throttled = await cpuOver(sandbox, 2000);
      assert.ok(throttled < 800, `a quarter share used ${throttled} ms of CPU in 2 s`);
      assert.ok(throttled > 50, `a quarter share made progress: ${throttled} ms of CPU in 2 s`);

      governor.pause('user');
      assert.deepEqual(governor.state(), { paused: true, reasons: ['user'], otherBusy: undefined });
      const controller = new AbortController();
      let runnable = false;
      const waiting = governor.whenRunnable(controller.signal).then(() => {
        runnable = true;
      });
      await sleep(100);
      const paused = await cpuOver(sandbox, 1000);
      assert.ok(paused < 30, `a paused sandbox used ${paused} ms of CPU`);
      assert.equal(runnable, false, 'no new work starts while paused');

      governor.resume('user');
      await waiting;
      assert.equal(runnable, true);
      const resumed = await cpuOver(sandbox, 1000);
      assert.ok(resumed > 50, `a resumed sandbox runs again: ${resumed} ms of CPU`);
      await sandbox.close();
      await running;
    } finally {
      governor.stop();
      await sandbox.close();
    }
  });
});
