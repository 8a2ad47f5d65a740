import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyPairFromSeed, signCanonical, verifyCanonical } from '@proofgrid/core';
import { nativeKeyPair, nativeSigner } from './nativeSigner.ts';

describe('nativeSigner', () => {
  it("signs exactly what core's signCanonical signs", () => {
    const keys = keyPairFromSeed(new Uint8Array(32).fill(3));
    const message = {
      domain: 'proofgrid.worker.request.v1',
      value: { method: 'POST', path: '/worker/lease', n: 1 },
    };
    const native = nativeSigner(keys)(message);
    assert.deepEqual(
      native,
      signCanonical({ secretKey: keys.secretKey, ...message }),
      'Ed25519 signatures are deterministic',
    );
    assert.ok(verifyCanonical({ publicKey: keys.publicKey, ...message, signature: native }));
  });

  it("derives exactly core's key pair from a seed", () => {
    for (const fill of [0, 7, 255]) {
      const seed = new Uint8Array(32).fill(fill);
      assert.deepEqual(nativeKeyPair(seed), keyPairFromSeed(seed));
    }
  });
});
