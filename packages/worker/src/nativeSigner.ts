import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { Signer } from '@proofgrid/client';
import { type KeyPair, signingMessage } from '@proofgrid/core';

/** DER prefix of an Ed25519 private key in PKCS #8 form: the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Signs with node:crypto's Ed25519, which is many times faster than the JavaScript one: a worker signs
 * every request. The same bytes as core's `signCanonical`, so the hub cannot tell them apart.
 */
export function nativeSigner(keys: KeyPair): Signer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, keys.secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
  return (message) => new Uint8Array(sign(null, signingMessage(message), privateKey));
}

/**
 * The key pair of a 32-byte seed, derived by node:crypto: the same keys as core's `keyPairFromSeed`,
 * without loading JavaScript Ed25519's tables at every start.
 */
export function nativeKeyPair(seed: Uint8Array): KeyPair {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { secretKey: seed, publicKey: new Uint8Array(spki.subarray(spki.length - 32)) };
}
