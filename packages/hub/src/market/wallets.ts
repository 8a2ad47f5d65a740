import { verifyCanonical } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import type { Queryable } from '../store/Store.ts';
import { WalletNotLinkedError } from './errors.ts';
import { openOrganizationAccount } from './ledger/ledger.ts';

/** What a wallet signs to link itself to an account: the account and its own address, in this domain. */
export const WALLET_LINK_DOMAIN = 'proofgrid.market.link.v1';
const ADDRESS = /^[0-9a-f]{64}$/;

/**
 * Links the wallet whose key signed `{organization_id, address}` to the organization: from then on its
 * orders must be signed by that key, its deposits come from that address and its withdrawals go to it.
 * Relinking to another address is allowed (a lost key); an address belongs to one account.
 */
export async function linkWallet(
  ctx: HubContext,
  { organizationId, address, signature }: { organizationId: string; address: string; signature: string },
): Promise<void> {
  const valid =
    ADDRESS.test(address) &&
    /^[0-9a-f]{128}$/.test(signature) &&
    verifyCanonical({
      publicKey: Buffer.from(address, 'hex'),
      domain: WALLET_LINK_DOMAIN,
      value: { organization_id: organizationId, address },
      signature: Buffer.from(signature, 'hex'),
    });
  if (!valid)
    throw new WalletNotLinkedError({
      reason: `The link is not signed by the key of wallet ${address}, so it is refused.`,
    });
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const taken = await tx.query('SELECT 1 FROM wallet_link WHERE address = $1 AND organization_id <> $2', [
      address,
      organizationId,
    ]);
    if (taken.rowCount > 0)
      throw new WalletNotLinkedError({ reason: `Wallet ${address} is linked to another account.` });
    await tx.query(
      `INSERT INTO wallet_link (organization_id, address, linked_at) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id) DO UPDATE SET address = EXCLUDED.address, linked_at = EXCLUDED.linked_at`,
      [organizationId, address, now],
    );
    await openOrganizationAccount(tx, organizationId, now);
  });
}

export async function linkedWallet(db: Queryable, organizationId: string): Promise<string | null> {
  const found = await db.query<{ address: string }>(
    'SELECT address FROM wallet_link WHERE organization_id = $1',
    [organizationId],
  );
  return found.rows[0]?.address ?? null;
}

/** The account whose linked wallet is `signer`, which must be `organizationId`'s. */
export async function requireSigner(db: Queryable, organizationId: string, signer: string): Promise<void> {
  const address = await linkedWallet(db, organizationId);
  if (address === null)
    throw new WalletNotLinkedError({
      reason: 'Your account has no wallet linked, so it cannot sign orders.',
    });
  if (address !== signer)
    throw new WalletNotLinkedError({
      reason: `The order is signed by ${signer}, but your account's wallet is ${address}.`,
    });
}
