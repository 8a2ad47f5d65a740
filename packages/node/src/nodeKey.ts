import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { keyPairFromSeed, ProofGridError } from '@proofgrid/core';

/** The node's Ed25519 key: its chain address (what it stakes and is paid to) and its libp2p identity. */
export type NodeKey = { publicKey: string; secretKey: Uint8Array };

const FILE = 'node-key.json';

/**
 * The key in `dataDir`, made on first use from `fallback` (a dev key) or fresh randomness, and kept in a
 * file only its owner may read.
 */
export function loadOrCreateNodeKey(
  dataDir: string,
  fallback?: Uint8Array,
): { key: NodeKey; created: boolean } {
  const path = join(dataDir, FILE);
  let raw: string | null = null;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (raw !== null) {
    const parsed = JSON.parse(raw) as { secretKey?: unknown };
    if (typeof parsed.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.secretKey))
      throw new ProofGridError('STORAGE_UNAVAILABLE', {
        shortMessage: `The node key ${path} is damaged: it holds no 32-byte hex secretKey.`,
        details: 'Restore it from a backup; a new key is a new address (its stake stays with the old one).',
      });
    return { key: keyOf(hexToBytes(parsed.secretKey)), created: false };
  }
  const key = keyOf(fallback ?? new Uint8Array(randomBytes(32)));
  writeFileSync(
    path,
    `${JSON.stringify({ publicKey: key.publicKey, secretKey: bytesToHex(key.secretKey) }, null, 2)}\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return { key, created: true };
}

function keyOf(seed: Uint8Array): NodeKey {
  const pair = keyPairFromSeed(seed);
  return { publicKey: bytesToHex(pair.publicKey), secretKey: pair.secretKey };
}
