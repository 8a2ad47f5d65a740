import { randomBytes } from 'node:crypto';
import { assert } from '@proofgrid/core';
import type { Store } from '../store/Store.ts';

export type HubSecrets = {
  /** HMAC key of the basic tokens (JWT, HS256). */
  jwtKey: Uint8Array;
};

const JWT_KEY_BYTES = 32;

/**
 * Returns the hub's secrets, generating them on first start. They live in the database: with PGlite that
 * is inside the data directory, with PostgreSQL every hub process sharing the server gets the same ones.
 * Nothing is hard-coded, so two installations never share a key.
 */
export async function loadHubSecrets(store: Store): Promise<HubSecrets> {
  await store.query(
    'INSERT INTO hub_secret (name, value, created_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO NOTHING',
    ['jwt_key', randomBytes(JWT_KEY_BYTES)],
  );
  const result = await store.query<{ value: Uint8Array }>('SELECT value FROM hub_secret WHERE name = $1', [
    'jwt_key',
  ]);
  const jwtKey = result.rows[0]?.value;
  assert(
    jwtKey !== undefined && jwtKey.length === JWT_KEY_BYTES,
    'the JWT key exists and has its full length',
  );
  return { jwtKey: new Uint8Array(jwtKey) };
}
