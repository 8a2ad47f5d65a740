#!/usr/bin/env node
// Writes input groups for the primality example: <out>/numbers-<k>.csv, each row a u32 in 4 big-endian
// bytes, base64 — as seed 004's generator wrote them. Deterministic: the same arguments, the same files.
//
//   node examples/primality/generate-inputs.mjs [--out inputs] [--groups 4] [--per-group 25] [--start 1000000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    groups: { type: 'string', default: '4' },
    'per-group': { type: 'string', default: '25' },
    start: { type: 'string', default: '1000000' },
  },
});
const groups = Number(values.groups);
const perGroup = Number(values['per-group']);
let next = Number(values.start);
for (const [name, value, max] of [
  ['--groups', groups, 10_000],
  ['--per-group', perGroup, 100_000],
  ['--start', next, 0xffffffff],
]) {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${name} must be a whole number from 0 to ${max}`);
}
mkdirSync(values.out, { recursive: true });
for (let group = 1; group <= groups; group++) {
  const rows = [];
  for (let i = 0; i < perGroup && next <= 0xffffffff; i++, next++) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(next);
    rows.push(bytes.toString('base64'));
  }
  writeFileSync(join(values.out, `numbers-${group}.csv`), `${rows.join('\n')}\n`);
}
console.log(`Wrote ${groups} input groups of ${perGroup} numbers to ${values.out}`);
