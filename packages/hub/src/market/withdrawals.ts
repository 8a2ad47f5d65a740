import { randomUUID } from 'node:crypto';
import { NANO_PER_MICRO_COIN } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { BridgeUnavailableError, WalletNotLinkedError } from './errors.ts';
import { openOrganizationAccount, SYSTEM, transfer } from './ledger/ledger.ts';
import { linkedWallet } from './wallets.ts';

/** The chain fee a withdrawal pays (micro-coins), charged to the account that withdraws. */
export const WITHDRAWAL_FEE_MICRO = 1_000;

/**
 * Asks for a withdrawal to the account's linked wallet: the amount and the chain fee are locked at once (a
 * pending transfer to the bridge), the bridge sends the chain transfer, and the lock is posted when it is
 * confirmed or voided (everything back) when the chain refuses it.
 *
 * @throws BRIDGE_UNAVAILABLE, WALLET_NOT_LINKED, INSUFFICIENT_CREDITS
 */
export async function requestWithdrawal(
  ctx: HubContext,
  { organizationId, amount }: { organizationId: string; amount: number },
) {
  if (ctx.market.chain === null)
    throw new BridgeUnavailableError({ reason: 'this hub has no chain, so its credits cannot leave it' });
  const address = await linkedWallet(ctx.store, organizationId);
  if (address === null)
    throw new WalletNotLinkedError({ reason: 'Your account has no wallet linked to withdraw to.' });
  const amountMicro = amount / NANO_PER_MICRO_COIN;
  const withdrawalId = randomUUID();
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const account = await openOrganizationAccount(tx, organizationId, now);
    const pendingId = await transfer(
      tx,
      {
        debit: account,
        credit: SYSTEM.bridge,
        amount: (amountMicro + WITHDRAWAL_FEE_MICRO) * NANO_PER_MICRO_COIN,
        code: 'withdrawal',
        pending: true,
        what: `The withdrawal (with its chain fee of ${WITHDRAWAL_FEE_MICRO} micro-coins)`,
        reason: `withdrawal ${withdrawalId} to ${address}`,
      },
      now,
    );
    await tx.query(
      `INSERT INTO chain_withdrawal (withdrawal_id, organization_id, address, amount_micro, pending_transfer_id, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6)`,
      [withdrawalId, organizationId, address, amountMicro, pendingId, now],
    );
  });
  return { withdrawalId, address, amountMicro, feeMicro: WITHDRAWAL_FEE_MICRO, state: 'queued' };
}

export async function listWithdrawals(ctx: HubContext, organizationId: string) {
  const found = await ctx.store.query(
    `SELECT withdrawal_id, address, amount_micro::int, chain_tx, state, reason, created_at, updated_at FROM chain_withdrawal
      WHERE organization_id = $1 ORDER BY created_at DESC LIMIT 100`,
    [organizationId],
  );
  return found.rows;
}
