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
