import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { SCRYPT_BLOCK_SIZE, SCRYPT_LOG2_N, SCRYPT_PARALLELISM } from '../constants.ts';

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * Hashes a password with scrypt, a memory-hard function (32 MiB per hash at the default cost), into a
 * self-describing string `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>` so the cost can rise later
 * without breaking stored hashes.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_LOG2_N, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM);
  return [
    'scrypt',
    SCRYPT_LOG2_N,
    SCRYPT_BLOCK_SIZE,
    SCRYPT_PARALLELISM,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(log2N), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing in particular, verified against when the username is unknown, so timing tells nothing. */
export const DECOY_PASSWORD_HASH = await hashPassword(randomBytes(16).toString('hex'));

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_BYTES,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}
