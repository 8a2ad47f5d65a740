import { type Accounts, transferInto } from './accounts.ts';
import { TRANSACTIONS_PER_BLOCK_MAX } from './constants.ts';
import type { Transaction } from './transaction.ts';

/**
 * The transfers a wrapper puts in its block: those of the pool that apply, in order, to the parent's
 * accounts — each sender's by nonce, so one that arrived before its predecessor still goes in — up to the
 * block's limit. What does not apply yet (a nonce gap, a balance still too low) stays in the pool.
 */
export function selectTransactions(
  pool: readonly Transaction[],
  accounts: Accounts,
  { feeTo, max = TRANSACTIONS_PER_BLOCK_MAX }: { feeTo: string; max?: number },
): Transaction[] {
  const ordered = [...pool].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.nonce - b.nonce));
  const after = new Map(accounts);
  const chosen: Transaction[] = [];
  for (const transaction of ordered) {
    if (chosen.length >= max) break;
    if (transferInto(after, transaction, { feeTo }) === null) chosen.push(transaction);
  }
  return chosen;
}
