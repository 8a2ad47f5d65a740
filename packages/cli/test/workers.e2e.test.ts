import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubClient, WorkerClient } from '@proofgrid/client';
import { keyPairFromSeed, parseInputCsv } from '@proofgrid/core';
import { EXAMPLES, isPrime, uploadExample } from './support/examples.ts';
import { signUp, uploadInputs, waitForProgress } from './support/hubApi.ts';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';

const CLI = new URL('../bin/proofgrid.js', import.meta.url).pathname;
const PROGRESS_WAIT_MS_MAX = 120_000;

describe('workers run a replicated job end to end (real processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  const workers: { child: ChildProcess; output: () => string }[] = [];
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-workers-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
  });
  after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('verifies every primality task by two agreeing workers, and the workers stop cleanly', async () => {
    assert.equal((await runCli(['program', 'build', join(EXAMPLES, 'primality')])).code, 0);
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadExample(hub, org.token, 'primality', { description: 'e2e' });
    const inputs = join(workDir, 'inputs');
    await runCliNode([
      join(EXAMPLES, 'primality/generate-inputs.mjs'),
      '--out',
      inputs,
      '--groups',
      '4',
      '--per-group',
      '10',
      '--start',
      '4294967000',
    ]);
    const groups = new Map<string, number[]>();
    for (const file of (await readdir(inputs)).sort()) {
      const csv = await readFile(join(inputs, file));
      groups.set(
        await uploadInputs(hub, org.token, programId, file, csv),
        parseInputCsv(csv).map((value) => new DataView(value.buffer, value.byteOffset).getUint32(0, false)),
      );
    }

    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'worker',
          'start',
          '--hub',
          hubProcess.url,
          '--data-dir',
          join(workDir, `worker-${i}`),
          '--name',
          `w${i}`,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      workers.push({ child, output: () => output });
    }

    const progress = await waitForProgress(
      hub,
      org.token,
      programId,
      (p) => p.verified + p.failed === p.total,
      PROGRESS_WAIT_MS_MAX,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${workers.map((w) => w.output()).join('\n')}`);
    });
    assert.deepEqual(
      { total: progress.total, verified: progress.verified, failed: progress.failed },
      { total: 4, verified: 4, failed: 0 },
      workers.map((w) => w.output()).join('\n'),
    );

    for (const [groupId, numbers] of groups) {
      const response = await hub.api.taskResult(
        { params: { program_id: programId, input_group_id: groupId } },
        {
          token: org.token,
        },
      );
      assert.deepEqual(
        JSON.parse(new TextDecoder().decode(response.bytes)),
        numbers.map((n) => ({ tested_number: n, is_prime: isPrime(n) })),
      );
      const verdict = response.headers['proofgrid-verdict'];
      assert.equal(verdict.agreeing_workers.length, 2, 'two distinct workers agreed');
    }

    for (const worker of workers) {
      const exited = once(worker.child, 'exit');
      worker.child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, worker.output());
      assert.match(worker.output(), /Worker stopped after \d+ task\(s\)/);
    }
  });
});

describe('a worker that returns wrong results is outvoted (real hub and worker processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-liar-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
  });
  after(async () => {
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('completes the job correctly, and the liar loses its reputation', async () => {
    assert.equal((await runCli(['program', 'build', join(EXAMPLES, 'primality')])).code, 0);
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadExample(hub, org.token, 'primality', { description: 'liar' });
    const groupId = await uploadInputs(hub, org.token, programId, 'seven-eight.csv', 'AAAABw==\nAAAACA==\n');

    // The liar: a worker that leases first and submits a made-up result.
    const liar = new WorkerClient({
      hub,
      keys: keyPairFromSeed(new Uint8Array(32).fill(99)),
      now: () => Date.now(),
    });
    await liar.register({ name: 'liar' });
    const { lease } = await liar.lease({
      memory_pages_max: 256,
      fuel_per_second: 1e9,
      seconds_available: 3600,
    });
    assert.ok(lease);
    await liar.submit(lease.replica_id, {
      output: new TextEncoder().encode('[{"tested_number":7,"is_prime":false}]'),
      fuelUsed: 1,
      exitCode: 0,
      log: '',
      failure: null,
    });

    const honest = [0, 1].map((i) =>
      spawn(
        process.execPath,
        [
          CLI,
          'worker',
          'start',
          '--hub',
          hubProcess.url,
          '--data-dir',
          join(workDir, `honest-${i}`),
          '--tasks',
          '1',
        ],
        { stdio: 'ignore' },
      ),
    );
    await Promise.all(honest.map((child) => once(child, 'exit')));
    const response = await hub.api.taskResult(
      { params: { program_id: programId, input_group_id: groupId } },
      { token: org.token },
    );
    assert.deepEqual(JSON.parse(new TextDecoder().decode(response.bytes)), [
      { tested_number: 7, is_prime: true },
      { tested_number: 8, is_prime: false },
    ]);
    const verdict = response.headers['proofgrid-verdict'];
    assert.deepEqual(verdict.outvoted_workers, [liar.workerId]);
    assert.equal(verdict.agreeing_workers.length, 2);
    const { reputation } = await liar.me();
    assert.equal(reputation.results_invalid, 1);
    assert.equal(reputation.consecutive_valid, 0);
  });
});

describe('an organization runs a job with the CLI alone (real processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-org-cli-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
  });
  after(async () => {
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('uploads, watches and downloads verified results, one folder per input group', async () => {
    const env = {
      PROOFGRID_CONFIG_DIR: join(workDir, 'config'),
      PROOFGRID_HUB: hubProcess.url,
      PROOFGRID_PASSWORD: 'a long password',
    };
    const cli = async (...args: string[]) => {
      const result = await runCli(args, env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    await cli('account', 'register', '--username', 'cli-org', '--name', 'CLI Org');
    await cli('account', 'login', '--username', 'cli-org');
    await cli('program', 'build', join(EXAMPLES, 'primality'));
    assert.match(
      await cli('program', 'upload', join(EXAMPLES, 'primality'), '--name', 'primes', '--timeout', '60'),
      /Uploaded "primes"/,
    );
    const inputs = join(workDir, 'inputs');
    await runCliNode([
      join(EXAMPLES, 'primality/generate-inputs.mjs'),
      '--out',
      inputs,
      '--groups',
      '3',
      '--per-group',
      '5',
    ]);
    assert.match(await cli('input', 'upload', 'primes', inputs), /Uploaded 3 input groups/);
    const workers = [0, 1].map((i) =>
      spawn(
        process.execPath,
        [CLI, 'worker', 'start', '--hub', hubProcess.url, '--data-dir', join(workDir, `w${i}`)],
        { stdio: 'ignore' },
      ),
    );
    try {
      assert.match(
        await cli('job', 'watch', 'primes', '--timeout', '120'),
        /3\/3 done: 3 verified, 0 running, 0 queued[\s\S]*Every task is verified/,
      );
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((worker) => once(worker, 'exit')));
    }
    const out = join(workDir, 'results');
    assert.match(await cli('results', 'download', 'primes', '--out', out), /Saved 3 results/);
    assert.deepEqual((await readdir(out)).sort(), ['numbers-1', 'numbers-2', 'numbers-3']);
    for (const group of ['numbers-1', 'numbers-2', 'numbers-3']) {
      const values = parseInputCsv(await readFile(join(inputs, `${group}.csv`)));
      const output = JSON.parse(await readFile(join(out, group, 'output'), 'utf8'));
      assert.deepEqual(
        output,
        values.map((value) => {
          const n = new DataView(value.buffer, value.byteOffset).getUint32(0, false);
          return { tested_number: n, is_prime: isPrime(n) };
        }),
      );
      const verdict = JSON.parse(await readFile(join(out, group, 'verdict.json'), 'utf8'));
      assert.equal(verdict.state, 'verified');
      assert.equal(verdict.agreeing_workers.length, 2);
    }
    assert.match(await cli('program', 'show', 'primes'), /3\/3 done: 3 verified/);
    assert.equal(JSON.parse(await cli('program', 'show', 'primes', '--json')).progress.verified, 3);
  });
});

async function runCliNode(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, `node ${args.join(' ')} failed`);
}
