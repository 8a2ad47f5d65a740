#!/usr/bin/env node
// Writes input groups for montecarlo-pi: <out>/samples-<k>.csv, each row a sample count (u32, 4 big-endian
// bytes, base64). Deterministic.
//
//   node examples/montecarlo-pi/generate-inputs.mjs [--out inputs] [--groups 4] [--per-group 4] [--samples 100000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    groups: { type: 'string', default: '4' },
    'per-group': { type: 'string', default: '4' },
    samples: { type: 'string', default: '100000' },
  },
});
const [groups, perGroup, samples] = [values.groups, values['per-group'], values.samples].map(Number);
for (const [name, value, max] of [
  ['--groups', groups, 10_000],
  ['--per-group', perGroup, 100_000],
  ['--samples', samples, 0xffffffff],
]) {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${name} must be a whole number from 1 to ${max}`);
}
mkdirSync(values.out, { recursive: true });
const row = Buffer.alloc(4);
row.writeUInt32BE(samples);
for (let group = 1; group <= groups; group++) {
  writeFileSync(
    join(values.out, `samples-${group}.csv`),
    `${Array(perGroup).fill(row.toString('base64')).join('\n')}\n`,
  );
}
console.log(`Wrote ${groups} input groups of ${perGroup} × ${samples} samples to ${values.out}`);
