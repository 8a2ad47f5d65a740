import { assert } from '../assert.ts';

const BLOCK_BYTES = 512;

export type TarFile = {
  /** Relative path with `/` separators, at most 100 bytes. */
  path: string;
  data: Uint8Array;
  /** Modification time in seconds since the epoch; fixed by default so archives are reproducible. */
  mtimeSeconds?: number;
};

/**
 * Writes regular files into an uncompressed ustar archive. The output depends only on the inputs (fixed
 * owner, mode and default mtime), so the same files always give the same bytes and the same hash.
 *
 * @example
 * const bytes = writeTar([{ path: 'lease.json', data: new TextEncoder().encode('{}') }]);
 */
export function writeTar(files: readonly TarFile[]): Uint8Array {
  let total = 2 * BLOCK_BYTES;
  for (const file of files) total += BLOCK_BYTES + Math.ceil(file.data.length / BLOCK_BYTES) * BLOCK_BYTES;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const file of files) {
    out.set(header(file), offset);
    out.set(file.data, offset + BLOCK_BYTES);
    offset += BLOCK_BYTES + Math.ceil(file.data.length / BLOCK_BYTES) * BLOCK_BYTES;
  }
  assert(offset + 2 * BLOCK_BYTES === total, 'archive ends with two zero blocks');
  return out;
}

function header(file: TarFile): Uint8Array {
  const name = new TextEncoder().encode(file.path);
  assert(name.length > 0 && name.length <= 100, 'tar path fits the ustar name field');
  assert(!file.path.startsWith('/') && !file.path.split('/').includes('..'), 'tar path is relative');
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(name, 0);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, file.data.length);
  writeOctal(block, 136, 12, file.mtimeSeconds ?? 0);
  block.fill(0x20, 148, 156);
  block[156] = 0x30; // '0': regular file
  block.set(new TextEncoder().encode('ustar\u000000'), 257);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeOctal(block, 148, 7, sum);
  return block;
}

function writeOctal(block: Uint8Array, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  assert(text.length === width - 1, 'value fits its octal field');
  block.set(new TextEncoder().encode(text), offset);
  block[offset + width - 1] = 0;
}
