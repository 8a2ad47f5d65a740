import { randomUUID } from 'node:crypto';
import { isUuid, ProofGridError } from '@proofgrid/core';
import { DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from '../auth/passwordHash.ts';
import type { HubDeps } from '../deps.ts';
import { isUniqueViolation } from '../store/isUniqueViolation.ts';
import { likePrefix, type Page, pageWindow } from '../store/paging.ts';

export type Organization = { organizationId: string; name: string; description: string };

export type RegisterParameters = { username: string; password: string; name: string; description: string };

/** Creates an organization's account. @throws USERNAME_ALREADY_EXISTS */
export async function registerAccount(
  deps: HubDeps,
  parameters: RegisterParameters,
): Promise<{ organizationId: string }> {
  const organizationId = randomUUID();
  const passwordHash = await hashPassword(parameters.password);
  try {
    await deps.store.query(
      `INSERT INTO account (organization_id, username, password_hash, name, description, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        organizationId,
        parameters.username,
        passwordHash,
        parameters.name,
        parameters.description,
        new Date(deps.clock.nowMs()),
      ],
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ProofGridError('USERNAME_ALREADY_EXISTS', {
      shortMessage: `The username "${parameters.username}" is taken.`,
      details: 'Choose another username, or log in if the account is yours.',
      action: 'login',
    });
  }
  return { organizationId };
}

/**
 * Checks a username and password. An unknown username and a wrong password give the same error after the
 * same work, so the answer does not reveal which usernames exist.
 *
 * @throws WRONG_CREDENTIALS
 */
export async function checkCredentials(
  deps: HubDeps,
  { username, password }: { username: string; password: string },
): Promise<{ organizationId: string }> {
  const found = await deps.store.query<{ organization_id: string; password_hash: string }>(
    'SELECT organization_id, password_hash FROM account WHERE username = $1',
    [username],
  );
  const account = found.rows[0];
  const matches = await verifyPassword(password, account?.password_hash ?? DECOY_PASSWORD_HASH);
  if (account === undefined || !matches) {
    throw new ProofGridError('WRONG_CREDENTIALS', {
      shortMessage: 'The username or the password is wrong.',
      details: 'Check both.',
      action: 'register_account',
    });
  }
  return { organizationId: account.organization_id };
}

/** Lists organizations by name, optionally those whose name starts with `nameFilter`. */
export async function listOrganizations(
  deps: HubDeps,
  { page, nameFilter }: { page: Page; nameFilter: string | undefined },
): Promise<{ organizations: Organization[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const prefix = likePrefix(nameFilter ?? '');
  const rows = await deps.store.query<{ organization_id: string; name: string; description: string }>(
    `SELECT organization_id, name, description FROM account WHERE name LIKE $1
      ORDER BY name, organization_id LIMIT $2 OFFSET $3`,
    [prefix, limit, offset],
  );
  const total = await deps.store.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM account WHERE name LIKE $1',
    [prefix],
  );
  return {
    organizations: rows.rows.map((row) => ({
      organizationId: row.organization_id,
      name: row.name,
      description: row.description,
    })),
    total: total.rows[0]?.n ?? 0,
  };
}

/** True when an organization with this id exists. */
export async function organizationExists(
  deps: Pick<HubDeps, 'store'>,
  organizationId: string,
): Promise<boolean> {
  if (!isUuid(organizationId)) return false;
  const found = await deps.store.query('SELECT 1 FROM account WHERE organization_id = $1', [organizationId]);
  return found.rowCount > 0;
}
