import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type HubProcess, runCli, runNode, startHubProcess } from './support/hubProcess.ts';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const README_URL = 'http://127.0.0.1:8080';

/** The JavaScript block of the README's SDK section, exactly as a reader copies it. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The SDK'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'the README has a js block under "## The SDK"');
  return block;
}

describe("the README's SDK example (real hub and worker processes)", () => {
  let workDir: string;
  let hub: HubProcess;
  const workers: WorkerProcess[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-sdk-example-'));
    // A reader's folder: the example program (built there, so no other test's build is in the way) and the
    // packages, reached as the reader's script reaches them from the repository folder.
    await cp(join(ROOT, 'examples/primality'), join(workDir, 'examples/primality'), {
      recursive: true,
      filter: (source) => !source.includes('/build'),
    });
    // The example imports the template's helpers from ../../packages, as it does in the repository.
    for (const folder of ['node_modules', 'packages'])
      await symlink(join(ROOT, folder), join(workDir, folder), 'dir');
    const built = await runCli(['program', 'build', join(workDir, 'examples/primality')]);
    assert.equal(built.code, 0, built.stderr);
    hub = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
    const env = { PROOFGRID_CONFIG_DIR: join(workDir, 'config'), PROOFGRID_HUB: hub.url };
    const registered = await runCli(
      ['account', 'register', '--username', 'lab', '--name', 'Lab', '--password', 'a long password'],
      env,
    );
    assert.equal(registered.code, 0, registered.stderr);
    for (const name of ['w1', 'w2']) workers.push(startWorkerProcess(hub.url, join(workDir, name)));
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    await hub?.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('uploads a program, adds inputs, waits for the job and prints the verified results', async () => {
    const example = await readmeExample();
    assert.ok(example.includes(README_URL), `the example talks to ${README_URL}`);
    const script = join(workDir, 'primes.mjs');
    await writeFile(script, example.replace(README_URL, hub.url));
    const run = await runNode([script], { cwd: workDir }); // as a reader runs it: `node primes.mjs`
    assert.equal(
      run.code,
      0,
      `the example failed:\n${run.stderr}\n${workers.map((w) => w.output()).join('\n')}`,
    );
    const lines = run.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [
      'n65521 verified [{"tested_number":65521,"is_prime":true}]',
      'n7 verified [{"tested_number":7,"is_prime":true}]',
      'n8 verified [{"tested_number":8,"is_prime":false}]',
    ]);
  });
});
