import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubClient } from '@proofgrid/client';
import { parseInputCsv } from '@proofgrid/core';
import { EXAMPLES, isPrime, uploadExample } from './support/examples.ts';
import { signUp, uploadInputs, waitForProgress } from './support/hubApi.ts';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess.ts';

const u32 = (n: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(n);
  return bytes.toString('base64');
};
const workerIdOf = (worker: WorkerProcess) => /Worker (\S+) \(pid/.exec(worker.output())?.[1];

describe('faults during a job (real hub and worker processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  const workers: WorkerProcess[] = [];
  const startWorker = (name: string, args: string[] = []) => {
    const worker = startWorkerProcess(hubProcess.url, join(workDir, name), args);
    workers.push(worker);
    return worker;
  };
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-faults-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
    for (const example of ['montecarlo-pi', 'primality']) {
      const build = await runCli(['program', 'build', join(EXAMPLES, example)]);
      assert.equal(build.code, 0, build.stderr);
    }
  });
  // A failed test leaves no worker behind to take the next test's tasks.
  afterEach(() => Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL'))));
  after(async () => {
    await hubProcess.stop('SIGKILL');
    await rm(workDir, { recursive: true, force: true });
  });

  it('loses nothing when a worker is killed with SIGKILL mid-task: its lease expires and others finish', async () => {
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    // A lease of 3 s, renewed by heartbeats while the task runs; the task takes a few seconds.
    const programId = await uploadExample(hub, org.token, 'montecarlo-pi', { timeoutSeconds: 3 });
    const samples = 2_500_000;
    const groupId = await uploadInputs(
      hub,
      org.token,
      programId,
      'long.csv',
      Buffer.from(`${u32(samples)}\n`),
    );

    const doomed = startWorker('doomed');
    await waitForProgress(hub, org.token, programId, (p) => p.leased === 1, 60_000);
    await sleep(500);
    const doomedId = workerIdOf(doomed);
    assert.ok(doomedId, doomed.output());
    assert.equal(await doomed.stop('SIGKILL'), null);
    assert.equal((await waitForProgress(hub, org.token, programId, () => true)).verified, 0);

    startWorker('rescuer-1');
    startWorker('rescuer-2');
    const progress = await waitForProgress(hub, org.token, programId, (p) => p.verified + p.failed === 1);
    assert.equal(progress.verified, 1, workers.map((w) => w.output()).join('\n'));
    const response = await hub.api.taskResult(
      { params: { program_id: programId, input_group_id: groupId } },
      { token: org.token },
    );
    const [row] = JSON.parse(new TextDecoder().decode(response.bytes));
    assert.equal(row.samples, samples);
    assert.ok(Math.abs((4 * row.inside) / samples - Math.PI) < 0.01, `pi ≈ ${(4 * row.inside) / samples}`);
    const verdict = response.headers['proofgrid-verdict'];
    assert.equal(verdict.agreeing_workers.length, 2);
    assert.ok(!verdict.agreeing_workers.includes(doomedId), 'the killed worker did not count');
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGTERM')));
  });

  it('loses nothing when the hub is killed with SIGKILL mid-job and restarted', async () => {
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadExample(hub, org.token, 'primality');
    const inputs = join(workDir, 'primes');
    const generated = spawnSync(
      process.execPath,
      [
        join(EXAMPLES, 'primality/generate-inputs.mjs'),
        '--out',
        inputs,
        '--groups',
        '40',
        '--per-group',
        '20',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(generated.status, 0, generated.stderr);
    const expected = new Map<string, unknown>();
    for (const file of (await readdir(inputs)).sort()) {
      const csv = await readFile(join(inputs, file));
      const groupId = await uploadInputs(hub, org.token, programId, file, csv);
      expected.set(
        groupId,
        parseInputCsv(csv).map((value) => {
          const n = new DataView(value.buffer, value.byteOffset).getUint32(0, false);
          return { tested_number: n, is_prime: isPrime(n) };
        }),
      );
    }
    const pair = [startWorker('steady-1'), startWorker('steady-2')];
    await waitForProgress(hub, org.token, programId, (p) => p.verified >= 3);

    const port = new URL(hubProcess.url).port;
    assert.equal((await hubProcess.stop('SIGKILL')).signal, 'SIGKILL');
    await sleep(1500);
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub'), '--port', port]);
    const progress = await waitForProgress(
      hub,
      org.token,
      programId,
      (p) => p.verified + p.failed === p.total,
    );
    assert.deepEqual(
      { total: progress.total, verified: progress.verified },
      { total: 40, verified: 40 },
      pair.map((w) => w.output()).join('\n'),
    );
    for (const [groupId, rows] of expected) {
      const response = await hub.api.taskResult(
        { params: { program_id: programId, input_group_id: groupId } },
        {
          token: org.token,
        },
      );
      assert.deepEqual(JSON.parse(new TextDecoder().decode(response.bytes)), rows, groupId);
    }
    for (const worker of pair) assert.equal(worker.child.exitCode, null, 'the workers waited the hub out');
    assert.deepEqual(await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGTERM'))), [0, 0]);
  });

  it('takes no work while paused with SIGUSR1, and goes on after SIGUSR2', async () => {
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadExample(hub, org.token, 'primality');
    const pausable = startWorker('pausable', ['--cpus', '0.5']);
    const helper = startWorker('helper');
    for (const worker of [pausable, helper])
      await waitForOutput(worker, /kill -USR1/, 'the worker registered');
    pausable.child.kill('SIGUSR1');
    helper.child.kill('SIGUSR1');
    await waitForOutput(pausable, /paused: by you/, 'the pause was acknowledged');
    await waitForOutput(helper, /paused: by you/, 'the pause was acknowledged');
    await uploadInputs(hub, org.token, programId, 'small.csv', Buffer.from(`${u32(7)}\n${u32(9)}\n`));
    await sleep(2000);
    const idle = await waitForProgress(hub, org.token, programId, () => true);
    assert.deepEqual({ leased: idle.leased, verified: idle.verified }, { leased: 0, verified: 0 });
    pausable.child.kill('SIGUSR2');
    helper.child.kill('SIGUSR2');
    const done = await waitForProgress(hub, org.token, programId, (p) => p.verified === 1, 60_000);
    assert.equal(done.verified, 1);
    assert.match(
      pausable.output(),
      /Using 0.5 CPU\(s\): 1 task\(s\) at a time, each running 50% of the time/,
    );
    assert.deepEqual(await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGTERM'))), [0, 0]);
  });
});

async function waitForOutput(worker: WorkerProcess, pattern: RegExp, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!pattern.test(worker.output())) {
    if (Date.now() > deadline || worker.child.exitCode !== null)
      throw new Error(`${what}: ${pattern} never appeared in:\n${worker.output()}`);
    await sleep(100);
  }
}
