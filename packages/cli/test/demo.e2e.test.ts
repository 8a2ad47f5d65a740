import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const CLI = new URL('../bin/proofgrid.js', import.meta.url).pathname;
const DEMO_WAIT_MS_MAX = 180_000;

describe('npm start (proofgrid demo)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-demo-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('runs the primality example to verified results on a local hub and worker, then stops on Ctrl-C', async (t) => {
    const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A failed assertion must not leave the demo running.
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    const ready = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the demo did not finish within ${DEMO_WAIT_MS_MAX} ms:\n${output}`)),
        DEMO_WAIT_MS_MAX,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Results: (\S+)\/<group>/.exec(output);
        if (match?.[1] && output.includes('press Ctrl-C')) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
    });
    const resultsDir = await ready;
    assert.match(output, /4\/4 done: 4 verified/);
    const groups = (await readdir(resultsDir)).sort();
    assert.deepEqual(groups, ['numbers-1', 'numbers-2', 'numbers-3', 'numbers-4']);
    for (const group of groups) {
      const results = JSON.parse(await readFile(join(resultsDir, group, 'output'), 'utf8')) as {
        tested_number: number;
        is_prime: boolean;
      }[];
      assert.equal(results.length, 25);
      const verdict = JSON.parse(await readFile(join(resultsDir, group, 'verdict.json'), 'utf8'));
      assert.equal(verdict.agreeing_workers.length, 2);
    }
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, output);
  });
});
