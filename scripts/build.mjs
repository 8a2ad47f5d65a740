// Compiles every package's TypeScript (src/, tests excluded) to JavaScript in its dist/, file for file, so
// that the `proofgrid` command and the packages load without compiling anything at run time. Runs on
// `npm install` (the root package's `prepare`) and before the tests; it takes well under a second.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');

/**
 * Dependencies made of hundreds of small modules, bundled into one file (dist/vendor/<name>.js) that the
 * package's files import instead: TypeBox's 266 files take 130 ms to load, its bundle 20 ms, and every
 * CLI command loads it (the wire contract is written in it), as it loads noble's Ed25519 (60 ms, 33 ms).
 */
const VENDORED = { '@sinclair/typebox': 'typebox.js', '@noble/curves/ed25519.js': 'noble-ed25519.js' };

/** Every import stays an import; relative TypeScript imports point at the compiled files. */
function keepImports(src, dist, vendored) {
  return {
    name: 'keep-imports',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const vendor = VENDORED[args.path];
        if (vendor !== undefined) {
          vendored.add(args.path);
          const from = dirname(join(dist, relative(src, args.importer)));
          const path = relative(from, join(dist, 'vendor', vendor));
          return { path: path.startsWith('.') ? path : `./${path}`, external: true };
        }
        const path = args.path.startsWith('.') ? args.path.replace(/\.ts$/, '.js') : args.path;
        return { path, external: true };
      });
    },
  };
}

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
  const vendored = new Set();
  const options = { format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', bundle: true };
  await build({
    ...options,
    entryPoints: sources,
    outdir: dist,
    outbase: src,
    plugins: [keepImports(src, dist, vendored)],
    sourcemap: 'linked',
  });
  for (const specifier of vendored)
    await build({
      ...options,
      stdin: { contents: `export * from '${specifier}';`, resolveDir: join(packagesDir, name) },
      outfile: join(dist, 'vendor', VENDORED[specifier]),
    });
  // Files the code reads beside itself (SQL migrations).
  for (const file of files.filter((file) => !file.endsWith('.ts')))
    cpSync(file, join(dist, relative(src, file)));
}
