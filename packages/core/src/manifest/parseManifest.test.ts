import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANIFEST_DEFAULTS, parseManifest } from './parseManifest.ts';

const parse = (value: unknown) => parseManifest(new TextEncoder().encode(JSON.stringify(value)));
const minimal = { name: 'primality', runtime: 'wasm', entry: 'build/program.wasm' };

describe('parseManifest', () => {
  it('fills in the defaults of a minimal manifest', () => {
    assert.deepEqual(parse(minimal), {
      ...minimal,
      limits: {
        fuel: MANIFEST_DEFAULTS.fuel,
        memory_pages: MANIFEST_DEFAULTS.memory_pages,
        output_bytes: MANIFEST_DEFAULTS.output_bytes,
      },
      verification: { policy: 'replicate', replicas: 2, replicas_max: 5 },
    });
  });

  it('keeps given limits and policies', () => {
    const manifest = parse({
      ...minimal,
      limits: { fuel: 1000, memory_pages: 2, output_bytes: 10 },
      verification: { policy: 'none' },
    });
    assert.deepEqual(manifest.limits, { fuel: 1000, memory_pages: 2, output_bytes: 10 });
    assert.deepEqual(manifest.verification, { policy: 'none' });
    assert.deepEqual(parse({ ...minimal, verification: { replicas: 3 } }).verification, {
      policy: 'replicate',
      replicas: 3,
      replicas_max: 5,
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', undefined, /not UTF-8 JSON/],
    ['another runtime', { ...minimal, runtime: 'docker' }, /"runtime" must be "wasm"/],
    ['a typo in a key', { ...minimal, limit: {} }, /unknown key "limit"/],
    ['an escaping entry', { ...minimal, entry: '../x.wasm' }, /relative path/],
    ['fractional fuel', { ...minimal, limits: { fuel: 1.5 } }, /limits\.fuel/],
    ['too much memory', { ...minimal, limits: { memory_pages: 1e6 } }, /limits\.memory_pages/],
    ['a single replica', { ...minimal, verification: { replicas: 1 } }, /verification\.replicas/],
    [
      'fewer replicas_max than replicas',
      { ...minimal, verification: { replicas: 4, replicas_max: 3 } },
      /replicas_max/,
    ],
    ['an unknown policy', { ...minimal, verification: { policy: 'vibes' } }, /"replicate" or "none"/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses ${name} with INVALID_MANIFEST`, () => {
      const bytes =
        value === undefined
          ? new TextEncoder().encode('{nope')
          : new TextEncoder().encode(JSON.stringify(value));
      assert.throws(
        () => parseManifest(bytes),
        (error: Error & { code?: string }) =>
          error.code === 'INVALID_MANIFEST' && message.test(error.message),
      );
    });
  }
});
