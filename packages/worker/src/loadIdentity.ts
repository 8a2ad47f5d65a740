import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64, encodeBase64, type KeyPair } from '@proofgrid/core';
import { nativeKeyPair } from './nativeSigner.ts';

const SEED_BYTES = 32;

/**
 * The worker's Ed25519 identity, created on first start and kept in `<dataDir>/identity.json` (mode 0600):
 * the same machine keeps the same worker id and reputation across restarts.
 */
export function loadIdentity(dataDir: string): KeyPair {
  const path = join(dataDir, 'identity.json');
  try {
    const stored: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const seedText =
      typeof stored === 'object' && stored !== null && 'seed' in stored ? stored.seed : undefined;
    const seed = typeof seedText === 'string' ? decodeBase64(seedText) : undefined;
    if (seed === undefined || seed.length !== SEED_BYTES)
      throw new Error(`${path} does not hold a 32-byte seed; move it away to create a new identity`);
    return nativeKeyPair(seed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const seed = new Uint8Array(randomBytes(SEED_BYTES));
  writeFileSync(path, `${JSON.stringify({ seed: encodeBase64(seed) })}\n`, { mode: 0o600, flag: 'wx' });
  return nativeKeyPair(seed);
}
