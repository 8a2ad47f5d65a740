#!/usr/bin/env node
// Writes input groups for hashchain-zk: <out>/seed-<k>.csv, one row (the seed, a field element as 32
// big-endian bytes, base64).
//
//   node examples/hashchain-zk/generate-inputs.mjs [--out inputs] [--count 4]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    count: { type: 'string', default: '4' },
  },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new Error('--count must be 1..10000');
mkdirSync(values.out, { recursive: true });
for (let k = 1; k <= count; k++) {
  const seed = Buffer.alloc(32);
  seed.writeUInt32BE(k, 28);
  writeFileSync(join(values.out, `seed-${k}.csv`), `${seed.toString('base64')}\n`);
}
console.log(`Wrote ${count} input groups to ${values.out}`);
