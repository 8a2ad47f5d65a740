import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseInputCsv } from '@proofgrid/core';
import { executeWasm, instrumentModule } from '@proofgrid/runtime';
import { runCli } from './support/hubProcess.ts';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;

function isPrimeReference(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

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
        return { tested_number: n, is_prime: isPrimeReference(n) };
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
