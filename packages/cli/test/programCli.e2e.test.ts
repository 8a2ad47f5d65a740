import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executeWasm, instrumentModule } from '@proofgrid/runtime';
import { TEST_CRS_PATH } from '../../../test/support/crs.ts';
import { runCli } from './support/hubProcess.ts';

const be32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

describe('proofgrid program init and build', () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-program-'));
  });
  after(() => rm(workDir, { recursive: true, force: true }));

  it('writes a starter that builds into a module the sandbox runs correctly', async () => {
    const dir = join(workDir, 'starter');
    const init = await runCli(['program', 'init', dir]);
    assert.equal(init.code, 0, init.stderr);
    const build = await runCli(['program', 'build', dir]);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /passes the hub's checks/);
    const bytes = await readFile(join(dir, 'build/program.wasm'));
    const module = new WebAssembly.Module(instrumentModule(bytes, { memoryPagesMax: 256 }));
    const result = executeWasm({
      module,
      input: [be32(7), be32(8), be32(4_294_967_291)],
      seed: 'task',
      fuelMax: 1e10,
      memoryPagesMax: 256,
      outputBytesMax: 1 << 20,
      logBytesMax: 1024,
    });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(result.output)), {
      count: 3,
      sum: 7 + 8 + 4_294_967_291,
    });
    assert.equal(result.log, '');
  });

  it('writes a Noir starter that builds, fits the CRS, and says how big it is', async () => {
    const dir = join(workDir, 'noir-starter');
    const init = await runCli(['program', 'init', dir, '--runtime', 'noir']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Wrote a ProofGrid program \(Noir\)/);
    const build = await runCli(['program', 'build', dir, '--crs-path', TEST_CRS_PATH]);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /Compiled .*: \d+ gates, \d+ CRS points .* it passes the hub's checks/);
    const noCrs = await runCli(['program', 'build', dir, '--crs-path', join(workDir, 'no-crs')]);
    assert.equal(noCrs.code, 1);
    assert.match(
      noCrs.stderr,
      /needs \d+ CRS points, and there is no CRS at .*no-crs.*--crs-path.*CIRCUIT_TOO_LARGE/s,
    );
  });

  it('refuses to overwrite a folder that is not empty', async () => {
    const dir = join(workDir, 'taken');
    await runCli(['program', 'init', dir]);
    const again = await runCli(['program', 'init', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not empty/);
  });

  it("shows the compiler's errors when the program does not compile", async () => {
    const dir = join(workDir, 'broken');
    await runCli(['program', 'init', dir]);
    await writeFile(
      join(dir, 'assembly/index.ts'),
      'export function _start(): void { let x: i32 = "text"; }\n',
    );
    const build = await runCli(['program', 'build', dir]);
    assert.equal(build.code, 1);
    assert.match(build.stderr, /ERROR/);
    assert.match(build.stderr, /compiler failed/);
  });
});
