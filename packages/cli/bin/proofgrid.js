#!/usr/bin/env node
// The `proofgrid` command. It runs the JavaScript `npm install` compiled from the TypeScript sources
// (scripts/build.mjs), so nothing is compiled at start.
let main;
try {
  ({ main } = await import('../dist/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  process.stderr.write(
    'error: proofgrid is not built. Run `npm install` (or `npm run build`) in the repository first.\n',
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
