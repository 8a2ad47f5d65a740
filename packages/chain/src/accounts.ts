import { type Transaction, transactionCost, transactionFault } from './transaction.ts';

/** What the chain knows of an address: its micro-coins and the last nonce it used (0: none yet). */
export type Account = { balance: number; nonce: number };
export type Accounts = ReadonlyMap<string, Account>;

export type Refusal = { code: 'BAD_TRANSACTION' | 'NONCE_NOT_NEXT' | 'INSUFFICIENT_BALANCE'; reason: string };

/**
 * Applies one transfer to the accounts (a new map; the old one is untouched). Refused, with why: a bad
 * signature or form, a nonce other than the sender's next (a replay, or one out of order), or a balance
 * that would go negative (a double spend). The fee goes to `feeTo`.
 */
export function applyTransfer(
  accounts: Accounts,
  transaction: Transaction,
  { feeTo }: { feeTo: string },
): { ok: true; accounts: Accounts } | { ok: false; refusal: Refusal } {
  const next = new Map(accounts);
  const refusal = transferInto(next, transaction, { feeTo });
  return refusal === null ? { ok: true, accounts: next } : { ok: false, refusal };
}

/**
 * `applyTransfer` on a map of the caller's, changed in place (a block's transfers copy the accounts once,
 * not once each). Nothing changes when it is refused.
 */
export function transferInto(
  accounts: Map<string, Account>,
  transaction: Transaction,
  { feeTo }: { feeTo: string },
): Refusal | null {
  const fault = transactionFault(transaction);
  if (fault !== null) return { code: 'BAD_TRANSACTION', reason: fault };
  const sender = accounts.get(transaction.from) ?? { balance: 0, nonce: 0 };
  if (transaction.nonce !== sender.nonce + 1)
    return {
      code: 'NONCE_NOT_NEXT',
      reason: `the sender's next nonce is ${sender.nonce + 1}, this transfer has ${transaction.nonce}`,
    };
  const cost = transactionCost(transaction);
  if (!Number.isSafeInteger(cost) || cost > sender.balance)
    return {
      code: 'INSUFFICIENT_BALANCE',
      reason: `the sender has ${sender.balance} micro-coins, the transaction needs ${cost}`,
    };
  accounts.set(transaction.from, { balance: sender.balance - cost, nonce: transaction.nonce });
  // A job's reward is escrowed (paid out stage by stage by the block rules); a commitment moves nothing.
  if (!('kind' in transaction)) credit(accounts, transaction.to, transaction.amount);
  if (transaction.fee > 0) credit(accounts, feeTo, transaction.fee);
  return null;
}

function credit(accounts: Map<string, Account>, address: string, amount: number): void {
  const account = accounts.get(address) ?? { balance: 0, nonce: 0 };
  accounts.set(address, { ...account, balance: account.balance + amount });
}

/** Credits micro-coins to an address in place (a job's reward share). */
export function creditInto(accounts: Map<string, Account>, address: string, amount: number): void {
  credit(accounts, address, amount);
}

/** Mints micro-coins to an address (a block's coinbase, the genesis allocation). */
export function mint(accounts: Accounts, address: string, amount: number): Accounts {
  const next = new Map(accounts);
  credit(next, address, amount);
  return next;
}
