import type { HubContext } from '../context.ts';
import { FAUCET_NANO_MAX } from './config.ts';
import { FaucetUnavailableError } from './errors.ts';
import { type Balance, balanceOf, openOrganizationAccount, SYSTEM, transfer } from './ledger/ledger.ts';
import { linkedWallet } from './wallets.ts';

export type AccountView = {
  organizationId: string;
  wallet: string | null;
  balance: Balance;
  /** The chain address deposits go to (the hub's key), or null on a chainless hub. */
  depositAddress: string | null;
  faucet: boolean;
};

export async function showAccount(ctx: HubContext, organizationId: string): Promise<AccountView> {
  const account = await ctx.store.transaction((tx) =>
    openOrganizationAccount(tx, organizationId, new Date(ctx.clock.nowMs())),
  );
  return {
    organizationId,
    wallet: await linkedWallet(ctx.store, organizationId),
    balance: await balanceOf(ctx.store, account),
    depositAddress:
      ctx.market.chain === null ? null : Buffer.from(ctx.secrets.hubKey.publicKey).toString('hex'),
    faucet: ctx.market.chain === null,
  };
}

/**
 * The faucet of a hub without a chain: local test credits, labelled as such in the ledger, at most
 * {@link FAUCET_NANO_MAX} per call. A hub with a chain has none: its credits are backed by deposits.
 */
export async function useFaucet(
  ctx: HubContext,
  { organizationId, amount }: { organizationId: string; amount: number },
): Promise<Balance> {
  if (ctx.market.chain !== null)
    throw new FaucetUnavailableError({ reason: 'this hub is backed by a chain' });
  if (amount > FAUCET_NANO_MAX)
    throw new FaucetUnavailableError({ reason: `it gives at most ${FAUCET_NANO_MAX} nano per call` });
  const now = new Date(ctx.clock.nowMs());
  return ctx.store.transaction(async (tx) => {
    const account = await openOrganizationAccount(tx, organizationId, now);
    await transfer(
      tx,
      {
        debit: SYSTEM.faucet,
        credit: account,
        amount,
        code: 'faucet',
        reason: 'local test credits from the faucet of a hub without a chain',
      },
      now,
    );
    return balanceOf(tx, account);
  });
}
