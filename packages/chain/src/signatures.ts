import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type CanonicalValue, signCanonical, signingMessage, verifyCanonical } from '@proofgrid/core';

/** Verifications remembered, at most (about 100 bytes each). */
const REMEMBERED_MAX = 65_536;
const remembered = new Map<string, boolean>();

/** Signs `value` in `domain`: the hex signature the chain's objects carry. */
export function signedHex(value: unknown, { domain, secretKey }: { domain: string; secretKey: Uint8Array }) {
  return bytesToHex(signCanonical({ secretKey, domain, value: value as CanonicalValue }));
}

/**
 * Whether `signature` (hex) is `publicKey`'s (hex) Ed25519 signature of `value` in `domain`; malformed hex
 * is just invalid. Results are remembered by the hash of all three: a node checks a transfer when it enters
 * the pool and again in the block that carries it, a declaration alone and again in every header that
 * carries it — and Ed25519 in JavaScript costs a millisecond where the hash costs microseconds.
 */
export function signedBy(publicKey: string, domain: string, value: unknown, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKey) || !/^[0-9a-f]{128}$/.test(signature)) return false;
  const message = signingMessage({ domain, value: value as CanonicalValue });
  // Key and signature have fixed lengths, so the concatenation is unambiguous.
  const input = new Uint8Array(96 + message.length);
  input.set(hexToBytes(publicKey));
  input.set(hexToBytes(signature), 32);
  input.set(message, 96);
  const key = bytesToHex(sha256(input));
  const known = remembered.get(key);
  if (known !== undefined) return known;
  const valid = verifyCanonical({
    publicKey: hexToBytes(publicKey),
    domain,
    value: value as CanonicalValue,
    signature: hexToBytes(signature),
  });
  if (remembered.size >= REMEMBERED_MAX) remembered.delete(remembered.keys().next().value ?? '');
  remembered.set(key, valid);
  return valid;
}
