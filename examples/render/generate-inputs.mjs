#!/usr/bin/env node
// Writes one input group per tile of the image: <out>/tile-<x>-<y>-<w>x<h>.csv, holding one 24-byte value
// (six big-endian u32s: x, y, width, height, image width, image height), base64. Deterministic.
//
//   node examples/render/generate-inputs.mjs [--out inputs] [--width 256] [--height 192] [--tile 64]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('inputs', import.meta.url).pathname },
    width: { type: 'string', default: '256' },
    height: { type: 'string', default: '192' },
    tile: { type: 'string', default: '64' },
  },
});
const [width, height, tile] = [values.width, values.height, values.tile].map(Number);
for (const [name, value] of [
  ['--width', width],
  ['--height', height],
  ['--tile', tile],
]) {
  if (!Number.isInteger(value) || value < 1 || value > 8192)
    throw new Error(`${name} must be a whole number from 1 to 8192`);
}
mkdirSync(values.out, { recursive: true });
let count = 0;
for (let y = 0; y < height; y += tile) {
  for (let x = 0; x < width; x += tile) {
    const w = Math.min(tile, width - x);
    const h = Math.min(tile, height - y);
    const value = Buffer.alloc(24);
    for (const [i, n] of [x, y, w, h, width, height].entries()) value.writeUInt32BE(n, i * 4);
    writeFileSync(join(values.out, `tile-${x}-${y}-${w}x${h}.csv`), `${value.toString('base64')}\n`);
    count += 1;
  }
}
console.log(`Wrote ${count} tiles of a ${width}x${height} image to ${values.out}`);
