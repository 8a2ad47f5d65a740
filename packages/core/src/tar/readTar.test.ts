import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTarError } from '../errors/errors.ts';
import { readTar } from './readTar.ts';
import { writeTar } from './writeTar.ts';

const text = (value: string) => new TextEncoder().encode(value);

/** Rewrites the first header of an archive (name, type) and fixes its checksum. */
function withHeader(
  archive: Uint8Array,
  { name, typeflag }: { name?: string; typeflag?: string },
): Uint8Array {
  const copy = archive.slice();
  const header = copy.subarray(0, 512);
  if (name !== undefined) {
    header.fill(0, 0, 100);
    header.set(text(name), 0);
  }
  if (typeflag !== undefined) header[156] = typeflag.charCodeAt(0);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.set(text(`${sum.toString(8).padStart(6, '0')}\0`), 148);
  return copy;
}

describe('readTar', () => {
  it('reads back what writeTar wrote, in order, byte for byte', () => {
    const files = [
      { path: 'a.txt', data: text('alpha') },
      { path: 'dir/b.bin', data: new Uint8Array(1000).map((_, i) => i % 251) },
      { path: 'empty', data: new Uint8Array(0) },
    ];
    const entries = readTar(writeTar(files));
    assert.deepEqual(
      entries.map((entry) => [entry.path, entry.type, Buffer.from(entry.data).toString('hex')]),
      files.map((file) => [file.path, 'file', Buffer.from(file.data).toString('hex')]),
    );
  });

  it('writes the same bytes for the same files', () => {
    const files = [{ path: 'x', data: text('same') }];
    assert.deepEqual(writeTar(files), writeTar(files));
  });

  it('normalizes ./ prefixes and skips the root folder entry', () => {
    const archive = withHeader(writeTar([{ path: 'placeholder', data: text('x') }]), {
      name: './src/main.nr',
    });
    assert.deepEqual(
      readTar(archive).map((entry) => entry.path),
      ['src/main.nr'],
    );
  });

  const hostile: [string, Uint8Array, RegExp][] = [
    [
      'a path with ..',
      withHeader(writeTar([{ path: 'p', data: text('x') }]), { name: 'a/../../escape' }),
      /leaves the archive/,
    ],
    [
      'an absolute path',
      withHeader(writeTar([{ path: 'p', data: text('x') }]), { name: '/etc/passwd' }),
      /absolute/,
    ],
    [
      'a symbolic link',
      withHeader(writeTar([{ path: 'p', data: text('') }]), { typeflag: '2' }),
      /symbolic link/,
    ],
    ['a hard link', withHeader(writeTar([{ path: 'p', data: text('') }]), { typeflag: '1' }), /hard link/],
    ['a device', withHeader(writeTar([{ path: 'p', data: text('') }]), { typeflag: '3' }), /device/],
    [
      'a duplicate path',
      writeTar([
        { path: 'same', data: text('1') },
        { path: 'same', data: text('2') },
      ]),
      /appears twice/,
    ],
    ['gzip', new Uint8Array([0x1f, 0x8b, ...new Uint8Array(510)]), /gzip/],
    [
      'a truncated archive',
      writeTar([{ path: 'big', data: new Uint8Array(2048) }]).subarray(0, 1024),
      /claims more bytes/,
    ],
    [
      'a bad checksum',
      (() => {
        const a = writeTar([{ path: 'p', data: text('x') }]);
        a[0] = 0x71;
        return a;
      })(),
      /checksum/,
    ],
    ['a size that is not a block multiple', new Uint8Array(100), /512-byte blocks/],
  ];
  for (const [name, archive, message] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => readTar(archive),
        (error: unknown) =>
          error instanceof InvalidTarError && error.code === 'INVALID_TAR' && message.test(error.message),
      );
    });
  }

  it('refuses one entry more than the limit, accepts exactly the limit', () => {
    const files = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ path: `f${i}`, data: new Uint8Array(0) }));
    assert.equal(readTar(writeTar(files(10)), { entriesMax: 10 }).length, 10);
    assert.throws(() => readTar(writeTar(files(11)), { entriesMax: 10 }), /more than 10 entries/);
  });
});
