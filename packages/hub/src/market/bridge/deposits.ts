import { NANO_PER_MICRO_COIN } from '@proofgrid/core';
import type { HubDeps } from '../../deps.ts';
import type { Queryable } from '../../store/Store.ts';
import { openOrganizationAccount, SYSTEM, transfer } from '../ledger/ledger.ts';

export type SeenDeposit = {
  chainTx: string;
  from: string;
  amountMicro: number;
  height: number;
  blockHash: string;
};

/**
 * Records confirmed deposits and moves the bridge's cursor past them, in one transaction: each chain
 * transaction is recorded once (its hash is the key) and credited once (a unique index on the ledger), to
 * the account whose linked wallet sent it; one from a wallet no account has linked waits for that link.
 */
export async function recordDeposits(
  deps: Pick<HubDeps, 'store' | 'clock'>,
  deposits: readonly SeenDeposit[],
  height: number,
): Promise<void> {
  const now = new Date(deps.clock.nowMs());
  await deps.store.transaction(async (tx) => {
    for (const deposit of deposits)
      await tx.query(
        `INSERT INTO chain_deposit (chain_tx, from_address, amount_micro, height, block_hash, seen_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (chain_tx) DO NOTHING`,
        [deposit.chainTx, deposit.from, deposit.amountMicro, deposit.height, deposit.blockHash, now],
      );
    await tx.query('UPDATE bridge_cursor SET height = greatest(height, $1)', [height]);
    await creditDeposits(tx, [...new Set(deposits.map((deposit) => deposit.from))], now);
  });
}

/** Credits the uncredited deposits from these addresses to the accounts that linked them. Returns how many. */
async function creditDeposits(tx: Queryable, addresses: readonly string[], now: Date): Promise<number> {
  if (addresses.length === 0) return 0;
  const found = await tx.query<{
    chain_tx: string;
    amount_micro: string;
    organization_id: string;
    height: number;
  }>(
    `SELECT d.chain_tx, d.amount_micro::text, l.organization_id, d.height FROM chain_deposit d JOIN wallet_link l ON l.address = d.from_address
      WHERE d.from_address = ANY($1::text[]) AND d.credited_transfer_id IS NULL ORDER BY d.height, d.chain_tx FOR UPDATE OF d`,
    [[...addresses]],
  );
  for (const row of found.rows) {
    const account = await openOrganizationAccount(tx, row.organization_id, now);
    const id = await transfer(
      tx,
      {
        debit: SYSTEM.bridge,
        credit: account,
        amount: Number(row.amount_micro) * NANO_PER_MICRO_COIN,
        code: 'deposit',
        reason: `chain deposit ${row.chain_tx} (block ${row.height})`,
        chainTx: row.chain_tx,
      },
      now,
    );
    await tx.query('UPDATE chain_deposit SET credited_transfer_id = $2 WHERE chain_tx = $1', [
      row.chain_tx,
      id,
    ]);
  }
  return found.rows.length;
}

/** Credits what the newly linked wallet of an account sent before it was linked. */
export async function creditUnclaimedDeposits(
  deps: Pick<HubDeps, 'store' | 'clock'>,
  organizationId: string,
): Promise<number> {
  const now = new Date(deps.clock.nowMs());
  return deps.store.transaction(async (tx) => {
    const link = await tx.query<{ address: string }>(
      'SELECT address FROM wallet_link WHERE organization_id = $1',
      [organizationId],
    );
    const address = link.rows[0]?.address;
    return address === undefined ? 0 : creditDeposits(tx, [address], now);
  });
}
