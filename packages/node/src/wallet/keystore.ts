import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { keyPairFromSeed, ProofGridError } from '@proofgrid/core';

/**
 * A wallet's Ed25519 key encrypted at rest: scrypt turns the passphrase into an AES-256-GCM key (the
 * scheme of Ethereum's keystores, with an authenticated cipher instead of a separate MAC). The address is
 * kept in clear so `wallet show` needs no passphrase.
 */
export type Keystore = {
  version: 1;
  address: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
};

/** scrypt's cost: 2^17 × 8 × 128 bytes = 128 MiB and about half a second, per unlock. */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 };
/** A passphrase's length, at least and at most. */
export const PASSPHRASE_MIN = 8;
export const PASSPHRASE_MAX = 1024;

function derive(passphrase: string, kdf: Keystore['kdf']): Buffer {
  return scryptSync(passphrase, hexToBytes(kdf.salt), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * 1024 * 1024,
  });
}

function checkPassphrase(passphrase: string): void {
  if (passphrase.length < PASSPHRASE_MIN || passphrase.length > PASSPHRASE_MAX)
    throw new ProofGridError('WALLET_PASSPHRASE_WRONG', {
      shortMessage: `A wallet passphrase has ${PASSPHRASE_MIN} to ${PASSPHRASE_MAX} characters (this one has ${passphrase.length}).`,
      details:
        'Choose a longer one; it is asked for (or read from $PROOFGRID_WALLET_PASSPHRASE) at every send.',
    });
}

/** Encrypts a 32-byte Ed25519 seed under `passphrase`. */
export function encryptKey(seed: Uint8Array, passphrase: string): Keystore {
  checkPassphrase(passphrase);
  const kdf = { name: 'scrypt' as const, ...SCRYPT, salt: bytesToHex(randomBytes(16)) };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(passphrase, kdf), iv);
  const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
  return {
    version: 1,
    address: bytesToHex(keyPairFromSeed(seed).publicKey),
    kdf,
    cipher: { name: 'aes-256-gcm', iv: bytesToHex(iv), tag: bytesToHex(cipher.getAuthTag()) },
    ciphertext: bytesToHex(ciphertext),
  };
}

/**
 * The key a keystore holds.
 *
 * @throws WALLET_PASSPHRASE_WRONG when the passphrase does not open it (or the file was altered)
 */
export function decryptKey(
  keystore: Keystore,
  passphrase: string,
): { publicKey: string; secretKey: Uint8Array } {
  let seed: Buffer;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derive(passphrase, keystore.kdf),
      hexToBytes(keystore.cipher.iv),
    );
    decipher.setAuthTag(hexToBytes(keystore.cipher.tag));
    seed = Buffer.concat([decipher.update(hexToBytes(keystore.ciphertext)), decipher.final()]);
  } catch {
    throw new ProofGridError('WALLET_PASSPHRASE_WRONG', {
      shortMessage: 'The passphrase does not open this wallet (or its file was altered).',
      details: 'Type it again, or set $PROOFGRID_WALLET_PASSPHRASE to the one it was created with.',
    });
  }
  const publicKey = bytesToHex(keyPairFromSeed(seed).publicKey);
  if (publicKey !== keystore.address)
    throw new ProofGridError('WALLET_PASSPHRASE_WRONG', {
      shortMessage: `The wallet file names address ${keystore.address.slice(0, 8)} but holds the key of ${publicKey.slice(0, 8)}.`,
      details: 'The file was altered: restore it from a backup.',
    });
  return { publicKey, secretKey: new Uint8Array(seed) };
}

/** Checks a keystore read from disk; null when it is not one. */
export function parseKeystore(value: unknown): Keystore | null {
  const k = value as Keystore;
  const hex = (v: unknown, length?: number) =>
    typeof v === 'string' && /^[0-9a-f]*$/.test(v) && (length === undefined || v.length === length);
  if (typeof k !== 'object' || k === null || k.version !== 1 || !hex(k.address, 64)) return null;
  if (
    k.kdf?.name !== 'scrypt' ||
    !hex(k.kdf.salt) ||
    ![k.kdf.N, k.kdf.r, k.kdf.p].every(Number.isSafeInteger)
  )
    return null;
  if (k.kdf.N > 2 ** 20 || k.kdf.r > 16 || k.kdf.p > 4) return null;
  if (
    k.cipher?.name !== 'aes-256-gcm' ||
    !hex(k.cipher.iv, 24) ||
    !hex(k.cipher.tag, 32) ||
    !hex(k.ciphertext, 64)
  )
    return null;
  return k;
}
