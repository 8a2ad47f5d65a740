// Compiles every package's TypeScript (src/, tests excluded) to JavaScript in its dist/, file for file, so
// that the `proofgrid` command and the packages load without compiling anything at run time. Runs on
// `npm install` (the root package's `prepare`) and before the tests; it takes well under a second.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');

/** Every import stays an import; relative TypeScript imports point at the compiled files. */
const keepImports = {
  name: 'keep-imports',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const path = args.path.startsWith('.') ? args.path.replace(/\.ts$/, '.js') : args.path;
      return { path, external: true };
    });
  },
};

function filesUnder(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else found.push(path);
  }
  return found;
}

for (const name of readdirSync(packagesDir).sort()) {
  const src = join(packagesDir, name, 'src');
  const dist = join(packagesDir, name, 'dist');
  if (!statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
  rmSync(dist, { recursive: true, force: true });
  const files = filesUnder(src);
  const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  await build({
    entryPoints: sources,
    outdir: dist,
    outbase: src,
    bundle: true,
    plugins: [keepImports],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Files the code reads beside itself (SQL migrations).
  for (const file of files.filter((file) => !file.endsWith('.ts')))
    cpSync(file, join(dist, relative(src, file)));
}
