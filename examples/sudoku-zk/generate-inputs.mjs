#!/usr/bin/env node
// Writes input groups for sudoku-zk: <out>/<name>.toml, each a Prover.toml naming both parameters (the
// puzzle, 0 for empty cells, and the filled grid, row by row). From one solved grid it derives puzzles by
// relabelling digits (deterministic), and adds one wrong grid so a result can be false.
//
//   node examples/sudoku-zk/generate-inputs.mjs [--out inputs] [--count 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    count: { type: 'string', default: '3' },
  },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error('--count must be 1..9');
const SOLVED = [
  '534678912',
  '672195348',
  '198342567',
  '859761423',
  '426853791',
  '713924856',
  '961537284',
  '287419635',
  '345286179',
].join('');
const toml = (puzzle, grid) => `puzzle = [${puzzle.join(', ')}]\ngrid = [${grid.join(', ')}]\n`;
mkdirSync(values.out, { recursive: true });
for (let k = 0; k < count; k++) {
  // Relabel digit d as ((d - 1 + k) mod 9) + 1: still a solution; blank every cell whose index is not 0 mod 3.
  const grid = [...SOLVED].map((d) => ((Number(d) - 1 + k) % 9) + 1);
  const puzzle = grid.map((d, i) => (i % 3 === 0 ? d : 0));
  writeFileSync(join(values.out, `solved-${k}.toml`), toml(puzzle, grid));
}
const grid = [...SOLVED].map(Number);
const wrong = [...grid];
[wrong[0], wrong[1]] = [wrong[1], wrong[0]];
writeFileSync(
  join(values.out, 'wrong.toml'),
  toml(
    grid.map((d, i) => (i % 3 === 2 ? d : 0)),
    wrong,
  ),
);
console.log(`Wrote ${count + 1} input groups to ${values.out}`);
