import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * The Merkle root of a block's transaction hashes: leaves in block order, each level hashing pairs
 * (sha256 of the two 32-byte hashes), an odd last node paired with itself; sha256 of nothing when empty.
 */
export function merkleRoot(hashes: readonly string[]): string {
  if (hashes.length === 0) return bytesToHex(sha256(new Uint8Array(0)));
  let level: Uint8Array[] = hashes.map((hash) => hexToBytes(hash));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      const right = level[i + 1] ?? left;
      const pair = new Uint8Array(64);
      pair.set(left);
      pair.set(right, 32);
      next.push(sha256(pair));
    }
    level = next;
  }
  return bytesToHex(level[0] as Uint8Array);
}
