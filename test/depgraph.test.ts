import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'node:test';

/** Which workspace packages each may depend on: one way only, libraries before the CLI. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  api: ['core'],
  runtime: ['core'],
  chain: ['core'],
  node: ['core', 'runtime', 'chain'],
  client: ['core', 'api'],
  worker: ['core', 'runtime', 'client'],
  hub: ['core', 'runtime', 'api', 'chain'],
  cli: ['core', 'api', 'runtime', 'chain', 'node', 'client', 'worker', 'hub'],
};

it('keeps dependencies between packages one-way', () => {
  const root = new URL('../packages/', import.meta.url);
  const packages = readdirSync(root).sort();
  assert.deepEqual(packages, Object.keys(ALLOWED).sort(), 'every package has an entry in ALLOWED');
  for (const name of packages) {
    const manifest = JSON.parse(readFileSync(new URL(`${name}/package.json`, root), 'utf8'));
    const internal = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
      .filter((dependency) => dependency.startsWith('@proofgrid/'))
      .map((dependency) => dependency.slice('@proofgrid/'.length));
    for (const dependency of internal) {
      assert.ok(
        ALLOWED[name]?.includes(dependency),
        `@proofgrid/${name} must not depend on @proofgrid/${dependency}`,
      );
    }
  }
});

it('keeps core and the chain free of I/O, clocks and randomness so they run in a browser and in simulation', () => {
  const forbidden = [/from 'node:/, /\bfetch\(/, /process\.env/, /Date\.now\(/, /Math\.random\(/];
  const walk = (dir: URL): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(new URL(`${entry.name}/`, dir))
        : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
          ? [new URL(entry.name, dir).pathname]
          : [],
    );
  for (const file of ['core', 'chain'].flatMap((name) =>
    walk(new URL(`../packages/${name}/src/`, import.meta.url)),
  )) {
    const source = readFileSync(file, 'utf8');
    for (const pattern of forbidden) assert.doesNotMatch(source, pattern, `${file} uses ${pattern}`);
  }
});
