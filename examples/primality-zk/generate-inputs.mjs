#!/usr/bin/env node
// Writes input groups for primality-zk: <out>/number-<k>.csv, one row (the number, u32 as 4 big-endian
// bytes, base64, as seed 004's generator wrote them). One number per group: a task proves one number.
//
//   node examples/primality-zk/generate-inputs.mjs [--out inputs] [--count 4] [--start 65500]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    count: { type: 'string', default: '4' },
    start: { type: 'string', default: '65500' },
  },
});
const [count, start] = [Number(values.count), Number(values.start)];
if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new Error('--count must be 1..10000');
if (!Number.isInteger(start) || start < 0 || start + count > 65536)
  throw new Error('--start and --count must keep every number below 65536');
mkdirSync(values.out, { recursive: true });
for (let k = 0; k < count; k++) {
  const row = Buffer.alloc(4);
  row.writeUInt32BE(start + k);
  writeFileSync(join(values.out, `number-${start + k}.csv`), `${row.toString('base64')}\n`);
}
console.log(`Wrote ${count} input groups to ${values.out}`);
