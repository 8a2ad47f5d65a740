import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubClient } from '@proofgrid/client';
import { parseInputCsv } from '@proofgrid/core';
import { executeWasm, instrumentModule } from '@proofgrid/runtime';
import { EXAMPLES, isPrime, uploadExample } from './support/examples.ts';
import { signUp, uploadInputs, waitForProgress } from './support/hubApi.ts';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess.ts';

describe('examples/primality', () => {
  let inputs: string;
  before(async () => {
    inputs = await mkdtemp(join(tmpdir(), 'proofgrid-primality-'));
  });
  after(() => rm(inputs, { recursive: true, force: true }));

  it('builds, and computes what trial division says for every generated input group', async () => {
    const build = await runCli(['program', 'build', join(EXAMPLES, 'primality')]);
    assert.equal(build.code, 0, build.stderr);
    const generated = spawnSync(
      process.execPath,
      [
        join(EXAMPLES, 'primality/generate-inputs.mjs'),
        '--out',
        inputs,
        '--groups',
        '3',
        '--per-group',
        '20',
        '--start',
        '4294967200',
      ],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(generated.status, 0, generated.stderr);
    const manifest = JSON.parse(await readFile(join(EXAMPLES, 'primality/proofgrid.json'), 'utf8'));
    const module = new WebAssembly.Module(
      instrumentModule(await readFile(join(EXAMPLES, 'primality', manifest.entry)), {
        memoryPagesMax: manifest.limits.memory_pages,
      }),
    );
    const files = (await readdir(inputs)).sort();
    assert.equal(files.length, 3);
    for (const file of files) {
      const values = parseInputCsv(await readFile(join(inputs, file)));
      const result = executeWasm({
        module,
        input: values,
        seed: file,
        fuelMax: manifest.limits.fuel,
        memoryPagesMax: manifest.limits.memory_pages,
        outputBytesMax: manifest.limits.output_bytes,
        logBytesMax: 1024,
      });
      const expected = values.map((value) => {
        const n = new DataView(value.buffer, value.byteOffset).getUint32(0, false);
        return { tested_number: n, is_prime: isPrime(n) };
      });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(result.output)), expected, file);
    }
  });
});

describe('examples/montecarlo-pi', () => {
  it('agrees across replicas of a task, differs between tasks, and estimates pi', async () => {
    const build = await runCli(['program', 'build', join(EXAMPLES, 'montecarlo-pi')]);
    assert.equal(build.code, 0, build.stderr);
    const manifest = JSON.parse(await readFile(join(EXAMPLES, 'montecarlo-pi/proofgrid.json'), 'utf8'));
    const bytes = await readFile(join(EXAMPLES, 'montecarlo-pi', manifest.entry));
    const module = new WebAssembly.Module(
      instrumentModule(bytes, { memoryPagesMax: manifest.limits.memory_pages }),
    );
    const samples = new Uint8Array([0, 0, 0x75, 0x30]); // 30,000
    const run = (seed: string) =>
      JSON.parse(
        new TextDecoder().decode(
          executeWasm({
            module,
            input: [samples, samples],
            seed,
            fuelMax: manifest.limits.fuel,
            memoryPagesMax: manifest.limits.memory_pages,
            outputBytesMax: 4096,
            logBytesMax: 256,
          }).output,
        ),
      ) as { samples: number; inside: number }[];
    const replicaA = run('task-1');
    assert.deepEqual(run('task-1'), replicaA, 'two replicas of one task agree');
    assert.notDeepEqual(run('task-2'), replicaA, 'another task samples other points');
    const inside = replicaA.reduce((sum, row) => sum + row.inside, 0);
    assert.ok(Math.abs((4 * inside) / 60_000 - Math.PI) < 0.03, `estimate ${(4 * inside) / 60_000}`);
  });
});

describe('examples/render', () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-render-'));
  });
  after(() => rm(workDir, { recursive: true, force: true }));

  it('renders tiles that assemble into exactly the image rendered in one piece', async () => {
    assert.equal((await runCli(['program', 'build', join(EXAMPLES, 'render')])).code, 0);
    const manifest = JSON.parse(await readFile(join(EXAMPLES, 'render/proofgrid.json'), 'utf8'));
    const module = new WebAssembly.Module(
      instrumentModule(await readFile(join(EXAMPLES, 'render', manifest.entry)), {
        memoryPagesMax: manifest.limits.memory_pages,
      }),
    );
    const render = async (inputs: string, results: string, tile: number) => {
      const generated = spawnSync(
        process.execPath,
        [
          join(EXAMPLES, 'render/generate-inputs.mjs'),
          '--out',
          inputs,
          '--width',
          '96',
          '--height',
          '64',
          '--tile',
          String(tile),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(generated.status, 0, generated.stderr);
      for (const file of await readdir(inputs)) {
        const result = executeWasm({
          module,
          input: parseInputCsv(await readFile(join(inputs, file))),
          seed: file,
          fuelMax: manifest.limits.fuel,
          memoryPagesMax: manifest.limits.memory_pages,
          outputBytesMax: manifest.limits.output_bytes,
          logBytesMax: 1024,
        });
        await mkdir(join(results, file.replace(/\.csv$/, '')), { recursive: true });
        await writeFile(join(results, file.replace(/\.csv$/, ''), 'output'), result.output);
      }
      const png = join(results, 'image.png');
      const assembled = spawnSync(
        process.execPath,
        [join(EXAMPLES, 'render/assemble.mjs'), results, '--out', png],
        { encoding: 'utf8' },
      );
      assert.equal(assembled.status, 0, assembled.stderr);
      return readFile(png);
    };
    const tiled = await render(join(workDir, 'in-tiled'), join(workDir, 'out-tiled'), 32);
    const whole = await render(join(workDir, 'in-whole'), join(workDir, 'out-whole'), 96);
    assert.deepEqual([...tiled.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(tiled, whole);
    assert.ok(new Set(tiled.subarray(100)).size > 50, 'the image is not blank');
  });
});

describe('examples run on workers (real hub and worker processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  const workers: WorkerProcess[] = [];
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-examples-workers-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
    for (const example of ['montecarlo-pi', 'render']) {
      const build = await runCli(['program', 'build', join(EXAMPLES, example)]);
      assert.equal(build.code, 0, build.stderr);
    }
    for (const name of ['w1', 'w2']) workers.push(startWorkerProcess(hubProcess.url, join(workDir, name)));
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  /** Uploads every CSV of `inputs` as a group, waits until all are verified, saves `<out>/<group>/output`. */
  async function runJob(example: 'montecarlo-pi' | 'render', inputs: string, out: string) {
    const hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadExample(hub, org.token, example);
    const groups = new Map<string, string>();
    for (const file of (await readdir(inputs)).sort()) {
      const groupId = await uploadInputs(hub, org.token, programId, file, await readFile(join(inputs, file)));
      groups.set(groupId, file.replace(/\.csv$/, ''));
    }
    const progress = await waitForProgress(
      hub,
      org.token,
      programId,
      (p) => p.verified + p.failed === p.total,
    );
    assert.deepEqual(
      { verified: progress.verified, failed: progress.failed },
      { verified: groups.size, failed: 0 },
      workers.map((worker) => worker.output()).join('\n'),
    );
    for (const [groupId, name] of groups) {
      const response = await hub.api.taskResult(
        { params: { program_id: programId, input_group_id: groupId } },
        {
          token: org.token,
        },
      );
      await mkdir(join(out, name), { recursive: true });
      await writeFile(join(out, name, 'output'), response.bytes);
    }
  }

  it('montecarlo-pi: every task verified by agreeing replicas, and together they estimate pi', async () => {
    const inputs = join(workDir, 'pi-inputs');
    const generated = spawnSync(
      process.execPath,
      [
        join(EXAMPLES, 'montecarlo-pi/generate-inputs.mjs'),
        '--out',
        inputs,
        '--groups',
        '4',
        '--per-group',
        '2',
        '--samples',
        '50000',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(generated.status, 0, generated.stderr);
    const out = join(workDir, 'pi-results');
    await runJob('montecarlo-pi', inputs, out);
    let inside = 0;
    let samples = 0;
    const estimates = new Set<number>();
    for (const group of await readdir(out)) {
      for (const row of JSON.parse(await readFile(join(out, group, 'output'), 'utf8'))) {
        inside += row.inside;
        samples += row.samples;
        estimates.add(row.inside);
      }
    }
    assert.equal(samples, 8 * 50_000);
    assert.ok(estimates.size > 1, 'tasks draw different points');
    assert.ok(Math.abs((4 * inside) / samples - Math.PI) < 0.01, `pi ≈ ${(4 * inside) / samples}`);
  });

  it('render: verified tiles assemble into exactly the image rendered in one piece', async () => {
    const generate = (out: string, tile: number) => {
      const generated = spawnSync(
        process.execPath,
        [
          join(EXAMPLES, 'render/generate-inputs.mjs'),
          '--out',
          out,
          '--width',
          '96',
          '--height',
          '64',
          '--tile',
          String(tile),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(generated.status, 0, generated.stderr);
    };
    const assemble = (results: string) => {
      const assembled = spawnSync(
        process.execPath,
        [join(EXAMPLES, 'render/assemble.mjs'), results, '--out', join(results, 'image.png')],
        { encoding: 'utf8' },
      );
      assert.equal(assembled.status, 0, assembled.stderr);
      return readFile(join(results, 'image.png'));
    };
    generate(join(workDir, 'tiles'), 32);
    await runJob('render', join(workDir, 'tiles'), join(workDir, 'tiles-out'));
    generate(join(workDir, 'whole'), 96);
    await runJob('render', join(workDir, 'whole'), join(workDir, 'whole-out'));
    const tiled = await assemble(join(workDir, 'tiles-out'));
    assert.equal((await readdir(join(workDir, 'tiles-out'))).length, 6 + 1, 'six tiles and the image');
    assert.deepEqual(tiled, await assemble(join(workDir, 'whole-out')));
    assert.ok(new Set(tiled.subarray(100)).size > 50, 'the image is not blank');
  });
});
