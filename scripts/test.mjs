// Runs every test file of the repository with Node's test runner: TypeScript through tsx, the packages from
// their sources (the `proofgrid-source` export condition; processes the tests start use the built dist/). Node 20's
// `--test` takes no globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const IGNORED = new Set(['node_modules', '.git', '.proofgrid', '.bench', '.cache']);

function find(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...find(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = (only.length > 0 ? only : find(root).sort()).map((file) => file.replace(root, ''));
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--conditions=proofgrid-source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
