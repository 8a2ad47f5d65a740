import { ed25519 } from '@noble/curves/ed25519.js';
import { assert } from '../assert.ts';
import { type CanonicalValue, encodeCanonical } from '../encoding/encodeCanonical.ts';

/** An Ed25519 key pair: a worker's identity, or the hub's. */
export type KeyPair = { secretKey: Uint8Array; publicKey: Uint8Array };

const SEED_BYTES = 32;

/**
 * The key pair of a 32-byte seed. Core takes no randomness of its own: the caller draws the seed (a
 * worker from the operating system once, on first start, and keeps it).
 */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  assert(seed.length === SEED_BYTES, 'an Ed25519 seed is 32 bytes');
  return { secretKey: seed, publicKey: ed25519.getPublicKey(seed) };
}

/**
 * The bytes a signature of `value` in `domain` covers: the canonical encoding of `{domain, value}`. Exposed
 * so that a platform's native Ed25519 (node:crypto) signs and verifies exactly what this module does.
 */
export function signingMessage({ domain, value }: { domain: string; value: CanonicalValue }): Uint8Array {
  return encodeCanonical({ domain, value });
}

/**
 * Signs a value: Ed25519 over its canonical encoding, with `domain` bound into the message so a signature
 * made for one purpose (a submission) can never pass as another (a heartbeat).
 */
export function signCanonical({
  secretKey,
  domain,
  value,
}: {
  secretKey: Uint8Array;
  domain: string;
  value: CanonicalValue;
}): Uint8Array {
  return ed25519.sign(signingMessage({ domain, value }), secretKey);
}

/** Whether `signature` is `publicKey`'s signature of `value` in `domain`. Malformed inputs are just invalid. */
export function verifyCanonical({
  publicKey,
  domain,
  value,
  signature,
}: {
  publicKey: Uint8Array;
  domain: string;
  value: CanonicalValue;
  signature: Uint8Array;
}): boolean {
  try {
    return ed25519.verify(signature, signingMessage({ domain, value }), publicKey);
  } catch {
    return false; // a wrong-length key or signature is simply not a valid signature
  }
}
