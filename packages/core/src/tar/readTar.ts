import { assert } from '../assert.ts';
import { InvalidTarError } from '../errors/errors.ts';
import { TAR_ENTRIES_MAX, TAR_PATH_BYTES_MAX, TAR_PATH_DEPTH_MAX } from '../limits.ts';

const BLOCK_BYTES = 512;

export type TarEntry = {
  /** Normalized relative path: no leading `./`, no `..`, `/` as separator; folders end without `/`. */
  path: string;
  type: 'file' | 'directory';
  /** File contents (a view into the archive); empty for folders. */
  data: Uint8Array;
};

export type ReadTarParameters = {
  /** Entries allowed in the archive. */
  entriesMax?: number;
};

/**
 * Reads an uncompressed tar (ustar, pax or GNU) fully in memory and returns its regular files and folders.
 * Everything a hostile archive could use is refused with {@link InvalidTarError}: absolute paths, `..`,
 * links, devices, duplicate paths, sizes past the end of the archive, bad checksums, too many entries.
 *
 * @throws {InvalidTarErrorType}
 * @example
 * const entries = readTar(bytes);
 */
export function readTar(bytes: Uint8Array, parameters: ReadTarParameters = {}): TarEntry[] {
  const entriesMax = parameters.entriesMax ?? TAR_ENTRIES_MAX;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new InvalidTarError({ reason: 'it is gzip-compressed' });
  }
  if (bytes.length === 0 || bytes.length % BLOCK_BYTES !== 0) {
    throw new InvalidTarError({
      reason: `its size (${bytes.length} bytes) is not a whole number of 512-byte blocks`,
    });
  }
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  let longPath: string | undefined;
  // Each iteration consumes at least one block, so the loop is bounded by the archive's size.
  while (offset + BLOCK_BYTES <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK_BYTES);
    if (header.every((b) => b === 0)) break;
    verifyChecksum(header);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const size = parseOctal(header.subarray(124, 136), 'entry size');
    const dataStart = offset + BLOCK_BYTES;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length)
      throw new InvalidTarError({ reason: 'an entry claims more bytes than the archive holds' });
    const data = bytes.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES;

    if (typeflag === 'x') {
      longPath = parsePaxPath(data) ?? longPath;
      continue;
    }
    if (typeflag === 'L') {
      longPath = decodeText(data).replace(/\0+$/, '');
      continue;
    }
    if (typeflag === 'g') continue;
    const rawPath = longPath ?? headerPath(header);
    longPath = undefined;
    const type = entryType(typeflag, rawPath);
    const path = normalizePath(rawPath);
    if (path === '') continue; // the archive's own root folder, `./`
    if (seen.has(path)) throw new InvalidTarError({ reason: `the path "${path}" appears twice` });
    seen.add(path);
    if (entries.length >= entriesMax) {
      throw new InvalidTarError({ reason: `it holds more than ${entriesMax} entries` });
    }
    entries.push({ path, type, data: type === 'file' ? data : new Uint8Array(0) });
  }
  assert(offset <= bytes.length, 'reader never passes the end of the archive');
  return entries;
}

function entryType(typeflag: string, rawPath: string): TarEntry['type'] {
  if (typeflag === '0' || typeflag === '\0' || typeflag === '7')
    return rawPath.endsWith('/') ? 'directory' : 'file';
  if (typeflag === '5') return 'directory';
  const kinds: Record<string, string> = {
    '1': 'a hard link',
    '2': 'a symbolic link',
    '3': 'a device',
    '4': 'a device',
    '6': 'a FIFO',
  };
  throw new InvalidTarError({
    reason: `"${rawPath}" is ${kinds[typeflag] ?? `an entry of unsupported type '${typeflag}'`}`,
  });
}

function normalizePath(rawPath: string): string {
  if (rawPath.includes('\0') || rawPath.includes('\\')) {
    throw new InvalidTarError({
      reason: `the path "${rawPath.replace(/\0/g, '')}" holds a NUL or backslash`,
    });
  }
  if (rawPath.startsWith('/')) throw new InvalidTarError({ reason: `the path "${rawPath}" is absolute` });
  if (new TextEncoder().encode(rawPath).length > TAR_PATH_BYTES_MAX) {
    throw new InvalidTarError({ reason: `a path is longer than ${TAR_PATH_BYTES_MAX} bytes` });
  }
  const parts = rawPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..'))
    throw new InvalidTarError({ reason: `the path "${rawPath}" leaves the archive with ".."` });
  if (parts.length > TAR_PATH_DEPTH_MAX) {
    throw new InvalidTarError({
      reason: `the path "${rawPath}" is nested deeper than ${TAR_PATH_DEPTH_MAX} folders`,
    });
  }
  return parts.join('/');
}

function headerPath(header: Uint8Array): string {
  const name = cString(header.subarray(0, 100));
  const isUstar = decodeText(header.subarray(257, 262)) === 'ustar';
  const prefix = isUstar ? cString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function parsePaxPath(data: Uint8Array): string | undefined {
  // Records are "<length> <key>=<value>\n"; only `path` matters here.
  let path: string | undefined;
  for (const record of decodeText(data).split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) path = match[1];
  }
  return path;
}

function verifyChecksum(header: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < BLOCK_BYTES; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  const stored = parseOctal(header.subarray(148, 156), 'checksum');
  if (stored !== sum)
    throw new InvalidTarError({ reason: 'a header checksum does not match (corrupted archive?)' });
}

function parseOctal(field: Uint8Array, what: string): number {
  if (((field[0] ?? 0) & 0x80) !== 0)
    throw new InvalidTarError({ reason: `the ${what} uses the base-256 form for huge values` });
  const text = cString(field).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new InvalidTarError({ reason: `the ${what} field is not an octal number` });
  return Number.parseInt(text, 8);
}

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return decodeText(end === -1 ? field : field.subarray(0, end));
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
