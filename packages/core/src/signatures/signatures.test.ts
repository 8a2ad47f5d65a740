import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCanonical } from '../encoding/encodeCanonical.ts';
import { keyPairFromSeed, signCanonical, verifyCanonical } from './signatures.ts';

const keys = keyPairFromSeed(new Uint8Array(32).fill(7));
const other = keyPairFromSeed(new Uint8Array(32).fill(8));
const submission = { replica_id: 'r1', result_hash: 'ab'.repeat(32), fuel_used: 12345 };

describe('canonical signatures', () => {
  it('encodes objects with sorted keys and no whitespace, whatever the insertion order', () => {
    assert.equal(
      new TextDecoder().decode(encodeCanonical({ b: 1, a: [true, null, 'x'] })),
      '{"a":[true,null,"x"],"b":1}',
    );
    assert.deepEqual(encodeCanonical({ x: 1, y: 2 }), encodeCanonical({ y: 2, x: 1 }));
  });

  it('refuses values without one canonical form', () => {
    assert.throws(() => encodeCanonical({ a: 1.5 }), /not a safe integer/);
    assert.throws(() => encodeCanonical({ a: 2 ** 60 }), /not a safe integer/);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.throws(() => encodeCanonical(deep as never), /nested deeper/);
  });

  it('verifies a signature over the same value and domain, and nothing else', () => {
    const signature = signCanonical({
      secretKey: keys.secretKey,
      domain: 'proofgrid.submission.v1',
      value: submission,
    });
    const check = (overrides: Partial<Parameters<typeof verifyCanonical>[0]>) =>
      verifyCanonical({
        publicKey: keys.publicKey,
        domain: 'proofgrid.submission.v1',
        value: submission,
        signature,
        ...overrides,
      });
    assert.equal(check({}), true);
    assert.equal(check({ value: { ...submission, fuel_used: 12346 } }), false, 'a changed field');
    assert.equal(check({ domain: 'proofgrid.heartbeat.v1' }), false, 'another purpose');
    assert.equal(check({ publicKey: other.publicKey }), false, 'another worker');
    assert.equal(check({ signature: signature.slice(0, 10) }), false, 'a truncated signature');
  });
});
