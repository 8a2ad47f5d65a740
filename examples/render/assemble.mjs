#!/usr/bin/env node
// Assembles rendered tiles into one PNG. <results> holds one folder per input group, named after the group
// (tile-<x>-<y>-<w>x<h>) with the tile's raw RGB bytes in `output` — the layout `proofgrid results
// download` writes. A missing or wrong-sized tile is an error, not a hole in the picture.
//
//   node examples/render/assemble.mjs <results> --out image.png
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: 'image.png' } },
  allowPositionals: true,
});
const results = positionals[0];
if (results === undefined) throw new Error('usage: assemble.mjs <results folder> --out image.png');

const tiles = readdirSync(results, { withFileTypes: true }).flatMap((entry) => {
  const match = entry.isDirectory() ? /^tile-(\d+)-(\d+)-(\d+)x(\d+)$/.exec(entry.name) : null;
  return match ? [{ name: entry.name, x: +match[1], y: +match[2], w: +match[3], h: +match[4] }] : [];
});
if (tiles.length === 0) throw new Error(`${results} holds no tile-<x>-<y>-<w>x<h> folders`);
const width = Math.max(...tiles.map((t) => t.x + t.w));
const height = Math.max(...tiles.map((t) => t.y + t.h));
const rgb = Buffer.alloc(width * height * 3);
let covered = 0;
for (const tile of tiles) {
  const pixels = readFileSync(join(results, tile.name, 'output'));
  if (pixels.length !== tile.w * tile.h * 3)
    throw new Error(`${tile.name}/output holds ${pixels.length} bytes, not ${tile.w * tile.h * 3}`);
  for (let row = 0; row < tile.h; row++) {
    pixels.copy(rgb, ((tile.y + row) * width + tile.x) * 3, row * tile.w * 3, (row + 1) * tile.w * 3);
  }
  covered += tile.w * tile.h;
}
if (covered !== width * height)
  throw new Error(`the tiles cover ${covered} of ${width * height} pixels: some are missing`);
writeFileSync(values.out, encodePng(width, height, rgb));
console.log(`Wrote ${values.out} (${width}x${height}, ${tiles.length} tiles)`);

function encodePng(w, h, data) {
  const scanlines = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) data.copy(scanlines, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, body) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
