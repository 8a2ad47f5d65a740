import { randomBytes } from 'node:crypto';
import { assert, type KeyPair, keyPairFromSeed } from '@proofgrid/core';
import type { Store } from '../store/Store.ts';

export type HubSecrets = {
  /** HMAC key of the basic tokens (JWT, HS256). */
  jwtKey: Uint8Array;
  /**
   * The hub's Ed25519 key: it signs receipts, and its public key is the hub's chain address (deposits go to
   * it, withdrawals and receipt anchors are sent from it).
   */
  hubKey: KeyPair;
};

/** Every secret is 32 random bytes (an HMAC key, an Ed25519 seed). */
const JWT_KEY_BYTES = 32;

/**
 * Returns the hub's secrets, generating them on first start. They live in the database: with PGlite that
 * is inside the data directory, with PostgreSQL every hub process sharing the server gets the same ones.
 * Nothing is hard-coded, so two installations never share a key.
 */
export async function loadHubSecrets(store: Store): Promise<HubSecrets> {
  const jwtKey = await secret(store, 'jwt_key');
  const hubSeed = await secret(store, 'hub_key_seed');
  return { jwtKey, hubKey: keyPairFromSeed(hubSeed) };
}

/** A 32-byte secret by name: drawn once, on first start, and read back after (another hub may have drawn it). */
async function secret(store: Store, name: string): Promise<Uint8Array> {
  await store.query(
    'INSERT INTO hub_secret (name, value, created_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO NOTHING',
    [name, randomBytes(JWT_KEY_BYTES)],
  );
  const result = await store.query<{ value: Uint8Array }>('SELECT value FROM hub_secret WHERE name = $1', [
    name,
  ]);
  const value = result.rows[0]?.value;
  assert(
    value !== undefined && value.length === JWT_KEY_BYTES,
    `the secret ${name} exists and has its full length`,
  );
  return new Uint8Array(value);
}
