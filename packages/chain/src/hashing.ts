import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type CanonicalValue, encodeCanonical } from '@proofgrid/core';

/** sha256 of a value's canonical encoding, as lowercase hex: what a chain object is named and chained by. */
export function hashOf(value: CanonicalValue): string {
  return bytesToHex(sha256(encodeCanonical(value)));
}

/** sha256 of bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** The short id logs print for an object (the seed's first 8 hex characters of its hash). */
export function shortId(hash: string): string {
  return hash.slice(0, 8);
}
