import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** DER prefix of an Ed25519 public key in SubjectPublicKeyInfo form: the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Ed25519 through node:crypto, many times faster than core's JavaScript one (which a browser needs, the
 * hub does not): it checks every signed request. The same signatures verify either way.
 */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Whether `signature` is the key's signature of `message`. A malformed key or signature is just invalid. */
export function verifiesEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
