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
const code = await main(process.argv.slice(2));
// The command is done: leave now rather than when the last handle lets go (kept-alive connections, a
// sandbox or bb process being stopped), which every command would wait for. What was written to stdout
// and stderr goes first.
await Promise.all(
  [process.stdout, process.stderr].map(
    (stream) =>
      new Promise((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', resolve))),
  ),
);
process.exit(code);
