import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { isUuid, ProofGridError } from '@proofgrid/core';
import { jwtVerify, SignJWT } from 'jose';
import { BASIC_TOKEN_TTL_SECONDS, SESSION_TTL_SECONDS } from '../constants.ts';
import type { HubDeps } from '../deps.ts';
import { InvalidTokenError } from '../errors.ts';
import type { Queryable } from '../store/Store.ts';

/** A token and its id (seed 004's token object). */
export type TokenPair = { tokenId: string; token: string };
export type LoginTokens = { basicToken: TokenPair; refreshToken: TokenPair };

const REFRESH_SECRET_BYTES = 32;

class RefreshTokenNotFoundError extends ProofGridError {
  override name = 'RefreshTokenNotFoundError';
  constructor({ reason }: { reason: string }) {
    super('REFRESH_TOKEN_NOT_FOUND', {
      shortMessage: `The refresh token is not valid: ${reason}.`,
      details: 'Log in again.',
      action: 'login',
    });
  }
}

/** Opens a login session for an organization: a basic token and the first refresh token of its chain. */
export async function openSession(deps: HubDeps, organizationId: string): Promise<LoginTokens> {
  const nowMs = deps.clock.nowMs();
  const sessionId = randomUUID();
  return deps.store.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO session (session_id, organization_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [sessionId, organizationId, new Date(nowMs), new Date(nowMs + SESSION_TTL_SECONDS * 1000)],
    );
    const refreshToken = await insertRefreshToken(tx, sessionId);
    const basicToken = await signBasicToken(deps, { organizationId, sessionId, nowMs });
    return { basicToken, refreshToken };
  });
}

/**
 * Trades a refresh token for a new basic token and a new refresh token (rotation). A refresh token works
 * once: presenting a used one means it was copied, so the whole session is revoked.
 *
 * @throws REFRESH_TOKEN_NOT_FOUND when the token is unknown, used, expired or its session logged out
 */
export async function refreshSession(
  deps: HubDeps,
  refreshToken: string,
): Promise<{ basicToken: TokenPair; refreshToken: TokenPair }> {
  const nowMs = deps.clock.nowMs();
  const [tokenId, secret] = refreshToken.split('.');
  if (tokenId === undefined || secret === undefined || !isUuid(tokenId)) {
    throw new RefreshTokenNotFoundError({ reason: 'it is not a token this hub issued' });
  }
  const outcome = await deps.store.transaction(async (tx) => {
    const found = await tx.query<{
      token_hash: Uint8Array;
      used_at: Date | null;
      expires_at: Date;
      session_id: string;
      organization_id: string;
      revoked_at: Date | null;
    }>(
      `SELECT r.token_hash, r.used_at, r.expires_at, s.session_id, s.organization_id, s.revoked_at
         FROM refresh_token r JOIN session s USING (session_id)
        WHERE r.token_id = $1 FOR UPDATE OF r, s`,
      [tokenId],
    );
    const row = found.rows[0];
    if (row === undefined || !sameHash(row.token_hash, hashSecret(secret)))
      return { error: 'it is unknown' } as const;
    if (row.revoked_at !== null) return { error: 'its session was logged out' } as const;
    if (row.used_at !== null) {
      await tx.query('UPDATE session SET revoked_at = $2 WHERE session_id = $1', [
        row.session_id,
        new Date(nowMs),
      ]);
      return { error: 'it was already used, so its session has been revoked for safety' } as const;
    }
    if (row.expires_at.getTime() <= nowMs) return { error: 'it has expired' } as const;
    await tx.query('UPDATE refresh_token SET used_at = $2 WHERE token_id = $1', [tokenId, new Date(nowMs)]);
    const refreshToken = await insertRefreshToken(tx, row.session_id);
    const basicToken = await signBasicToken(deps, {
      organizationId: row.organization_id,
      sessionId: row.session_id,
      nowMs,
    });
    return { tokens: { basicToken, refreshToken } } as const;
  });
  if ('error' in outcome) throw new RefreshTokenNotFoundError({ reason: outcome.error });
  return outcome.tokens;
}

/**
 * Logs out: revokes the session of the given refresh token id (any token of the chain), which also ends
 * every basic token issued in it. Logging out twice is not an error.
 *
 * @throws REFRESH_TOKEN_NOT_FOUND when no refresh token has this id
 */
export async function closeSession(deps: HubDeps, refreshTokenId: string): Promise<void> {
  if (!isUuid(refreshTokenId))
    throw new RefreshTokenNotFoundError({ reason: 'no refresh token has this id' });
  const result = await deps.store.query(
    `UPDATE session SET revoked_at = coalesce(revoked_at, $2)
      WHERE session_id = (SELECT session_id FROM refresh_token WHERE token_id = $1)`,
    [refreshTokenId, new Date(deps.clock.nowMs())],
  );
  if (result.rowCount === 0) throw new RefreshTokenNotFoundError({ reason: 'no refresh token has this id' });
}

/**
 * Checks a basic token and returns the organization it speaks for. The session is looked up each time so
 * that logging out takes effect at once, not when the token expires.
 *
 * @throws {InvalidTokenError}
 */
export async function authenticate(deps: HubDeps, token: string): Promise<{ organizationId: string }> {
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, deps.secrets.jwtKey, {
      algorithms: ['HS256'],
      currentDate: new Date(deps.clock.nowMs()),
    });
    claims = verified.payload;
  } catch (error) {
    const expired = error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED';
    throw new InvalidTokenError({
      reason: expired ? 'it has expired' : 'it is malformed or not signed by this hub',
      expired,
    });
  }
  if (typeof claims.organization_id !== 'string' || typeof claims.sid !== 'string' || !isUuid(claims.sid)) {
    throw new InvalidTokenError({ reason: 'it lacks its organization or session' });
  }
  const live = await deps.store.query(
    'SELECT 1 FROM session WHERE session_id = $1 AND organization_id = $2 AND revoked_at IS NULL AND expires_at > $3',
    [claims.sid, claims.organization_id, new Date(deps.clock.nowMs())],
  );
  if (live.rowCount === 0) throw new InvalidTokenError({ reason: 'its session was logged out or has ended' });
  return { organizationId: claims.organization_id };
}

async function insertRefreshToken(tx: Queryable, sessionId: string): Promise<TokenPair> {
  const tokenId = randomUUID();
  const secret = randomBytes(REFRESH_SECRET_BYTES).toString('base64url');
  // A refresh token lives as long as its session; rotation does not extend the session.
  await tx.query(
    `INSERT INTO refresh_token (token_id, session_id, token_hash, expires_at)
     SELECT $1, session_id, $3, expires_at FROM session WHERE session_id = $2`,
    [tokenId, sessionId, hashSecret(secret)],
  );
  return { tokenId, token: `${tokenId}.${secret}` };
}

async function signBasicToken(
  deps: HubDeps,
  { organizationId, sessionId, nowMs }: { organizationId: string; sessionId: string; nowMs: number },
): Promise<TokenPair> {
  const tokenId = randomUUID();
  const nowSeconds = Math.floor(nowMs / 1000);
  const token = await new SignJWT({ organization_id: organizationId, token_id: tokenId, sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + BASIC_TOKEN_TTL_SECONDS)
    .sign(deps.secrets.jwtKey);
  return { tokenId, token };
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function sameHash(stored: Uint8Array, computed: Buffer): boolean {
  return stored.length === computed.length && timingSafeEqual(stored, computed);
}
