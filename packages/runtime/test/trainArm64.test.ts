import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain JavaScript script, shared with `npm test`'s set-up.
import { ARM64_NODE, ensureArm64Node, QEMU } from '../../../scripts/arm64Node.mjs';

const CHILD = new URL('./support/trainStages.mjs', import.meta.url).pathname;
const STAGES = '2';

type Run = {
  arch: string;
  environment: { simd: boolean };
  stages: { secret: string; checkpointSha256: string }[];
};

function stagesOn(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as Run)
        : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}

describe('runtime train on another CPU', () => {
  // XNNPACK picks other kernels on ARM (it detects the CPU by the sign of a NaN): the bytes must not change.
  it('gives the same stages on arm64 (Node for arm64 under qemu) as on x86-64, with SIMD and without', async () => {
    ensureArm64Node();
    for (const simd of ['simd', 'no-simd']) {
      const [x64, arm64] = await Promise.all([
        stagesOn(process.execPath, [CHILD, STAGES, simd]),
        stagesOn(QEMU, [ARM64_NODE, CHILD, STAGES, simd]),
      ]);
      assert.equal(x64.arch, 'x64');
      assert.equal(arm64.arch, 'arm64');
      assert.equal(x64.environment.simd, simd === 'simd');
      assert.deepEqual(arm64, { ...x64, arch: 'arm64' }, simd);
    }
  });
});
