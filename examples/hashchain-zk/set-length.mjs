#!/usr/bin/env node
// Sets the chain's LENGTH in src/main.nr (the circuit's size grows with it; benchmarks pick sizes this way).
//
//   node examples/hashchain-zk/set-length.mjs <length> [--dir examples/hashchain-zk]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { dir: { type: 'string', default: new URL('.', import.meta.url).pathname } },
  allowPositionals: true,
});
const length = Number(positionals[0]);
if (!Number.isInteger(length) || length < 1 || length > 100_000)
  throw new Error('give the length, 1..100000');
const path = join(values.dir, 'src/main.nr');
const source = readFileSync(path, 'utf8');
if (!/global LENGTH: u32 = \d+;/.test(source)) throw new Error(`${path} has no "global LENGTH: u32 = N;"`);
writeFileSync(path, source.replace(/global LENGTH: u32 = \d+;/, `global LENGTH: u32 = ${length};`));
console.log(`LENGTH = ${length} in ${path}`);
