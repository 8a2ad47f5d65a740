import { type Transaction, transactionFault } from './transaction.ts';

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
  const fault = transactionFault(transaction);
  if (fault !== null) return { ok: false, refusal: { code: 'BAD_TRANSACTION', reason: fault } };
  const sender = accounts.get(transaction.from) ?? { balance: 0, nonce: 0 };
  if (transaction.nonce !== sender.nonce + 1)
    return {
      ok: false,
      refusal: {
        code: 'NONCE_NOT_NEXT',
        reason: `the sender's next nonce is ${sender.nonce + 1}, this transfer has ${transaction.nonce}`,
      },
    };
  const cost = transaction.amount + transaction.fee;
  if (!Number.isSafeInteger(cost) || cost > sender.balance)
    return {
      ok: false,
      refusal: {
        code: 'INSUFFICIENT_BALANCE',
        reason: `the sender has ${sender.balance} micro-coins, the transfer needs ${cost}`,
      },
    };
  const next = new Map(accounts);
  const credit = (address: string, amount: number) => {
    const account = next.get(address) ?? { balance: 0, nonce: 0 };
    next.set(address, { ...account, balance: account.balance + amount });
  };
  next.set(transaction.from, { balance: sender.balance - cost, nonce: transaction.nonce });
  credit(transaction.to, transaction.amount);
  if (transaction.fee > 0) credit(feeTo, transaction.fee);
  return { ok: true, accounts: next };
}

/** Mints micro-coins to an address (a block's coinbase, the genesis allocation). */
export function mint(accounts: Accounts, address: string, amount: number): Accounts {
  const next = new Map(accounts);
  const account = next.get(address) ?? { balance: 0, nonce: 0 };
  next.set(address, { ...account, balance: account.balance + amount });
  return next;
}
