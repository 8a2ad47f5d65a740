import { AMOUNT_NANO_MAX, assert } from '@proofgrid/core';
import type { Queryable } from '../../store/Store.ts';
import { InsufficientCreditsError } from '../errors.ts';

/**
 * The hub's double-entry ledger (TigerBeetle's model on SQL). Every movement of credits is an immutable
 * transfer from a debit account to a credit account; a database trigger refuses any update or delete.
 * Escrow is two-phase: a `pending` transfer reserves its amount on the debit side, and exactly one later
 * `post_pending` (it moves) or `void_pending` (it returns) resolves it. Balances are derived by summing,
 * never stored, so nothing can drift from the entries.
 */

/** The system's accounts. The bridge (chain deposits) and the faucet (local credits) are where credits enter. */
export const SYSTEM = {
  bridge: 'system:bridge',
  faucet: 'system:faucet',
  escrow: 'system:escrow',
  stakes: 'system:stakes',
  kitty: 'system:kitty',
} as const;

export type LedgerAccountId = string;

/** What a transfer is for; `account show` and receipts name these. */
export type TransferCode =
  | 'deposit'
  | 'faucet'
  | 'withdrawal'
  | 'escrow'
  | 'pool_stake'
  | 'worker_stake'
  | 'program_payment'
  | 'pool_payment'
  | 'worker_payment'
  | 'refund'
  | 'stake_released'
  | 'stake_seized';

/** Links a transfer to what caused it, so every credit moved traces back to a judgement, a deal or a deposit. */
export type TransferCause = {
  reason: string;
  dealId?: string | null;
  taskId?: string | null;
  judgementId?: number | null;
  replicaId?: string | null;
  chainTx?: string | null;
};

export type Balance = {
  /** Posted credits in, less posted credits out. */
  posted: number;
  /** Reserved by pending transfers out, by what for. */
  locked: number;
  stake: number;
  withdrawing: number;
  /** Pending transfers in: not spendable until posted. */
  incoming: number;
  /** What can be spent: posted less every reservation. */
  available: number;
};

export function organizationAccount(organizationId: string): LedgerAccountId {
  return `org:${organizationId}`;
}

/** Opens an organization's ledger account (idempotent), in the caller's transaction. */
export async function openOrganizationAccount(
  tx: Queryable,
  organizationId: string,
  now: Date,
): Promise<LedgerAccountId> {
  const id = organizationAccount(organizationId);
  await tx.query(
    `INSERT INTO ledger_account (ledger_account_id, organization_id, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (ledger_account_id) DO NOTHING`,
    [id, organizationId, now],
  );
  return id;
}

const STAKE_CODES = new Set(['pool_stake', 'worker_stake']);

/** An account's balance, derived from its transfers. */
export async function balanceOf(tx: Queryable, account: LedgerAccountId): Promise<Balance> {
  const found = await tx.query<{ flag: string; code: string; incoming: boolean; amount: string }>(
    `SELECT t.flag, t.code, t.credit_account = $1 AS incoming, sum(t.amount)::text AS amount
       FROM ledger_transfer t
      WHERE (t.debit_account = $1 OR t.credit_account = $1) AND t.flag <> 'void_pending'
        AND (t.flag <> 'pending' OR NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.transfer_id))
      GROUP BY 1, 2, 3`,
    [account],
  );
  const balance: Balance = { posted: 0, locked: 0, stake: 0, withdrawing: 0, incoming: 0, available: 0 };
  for (const row of found.rows) {
    const amount = Number(row.amount);
    assert(Number.isSafeInteger(amount), 'a balance stays a safe integer');
    if (row.flag === 'pending') {
      if (row.incoming) balance.incoming += amount;
      else if (STAKE_CODES.has(row.code)) balance.stake += amount;
      else if (row.code === 'withdrawal') balance.withdrawing += amount;
      else balance.locked += amount;
    } else balance.posted += row.incoming ? amount : -amount;
  }
  balance.available = balance.posted - balance.locked - balance.stake - balance.withdrawing;
  return balance;
}

/** Locks accounts' rows, in one order, so concurrent transfers out of one account check its balance in turn. */
async function lockAccounts(
  tx: Queryable,
  accounts: readonly LedgerAccountId[],
): Promise<Map<string, boolean>> {
  const found = await tx.query<{ ledger_account_id: string; may_go_negative: boolean }>(
    `SELECT ledger_account_id, may_go_negative FROM ledger_account WHERE ledger_account_id = ANY($1::text[])
      ORDER BY ledger_account_id FOR UPDATE`,
    [[...new Set(accounts)].sort()],
  );
  const negative = new Map(found.rows.map((row) => [row.ledger_account_id, row.may_go_negative]));
  for (const account of accounts) assert(negative.has(account), `ledger account ${account} exists`);
  return negative;
}

/**
 * Moves `amount` from `debit` to `credit` (posted now, or pending: reserved until posted or voided), in the
 * caller's transaction. Refuses, before writing anything, when the debit account cannot cover it.
 *
 * @throws {InsufficientCreditsError}
 */
export async function transfer(
  tx: Queryable,
  {
    debit,
    credit,
    amount,
    code,
    pending = false,
    what,
    ...cause
  }: TransferCause & {
    debit: LedgerAccountId;
    credit: LedgerAccountId;
    amount: number;
    code: TransferCode;
    pending?: boolean;
    /** Names the movement in the error when the debit side cannot pay ("the deal's escrow"). */
    what?: string;
  },
  now: Date,
): Promise<number> {
  assert(
    Number.isSafeInteger(amount) && amount > 0 && amount <= AMOUNT_NANO_MAX * 1000,
    'an amount is positive nano',
  );
  assert(debit !== credit, 'a transfer moves between two accounts');
  const mayGoNegative = await lockAccounts(tx, [debit, credit]);
  if (!mayGoNegative.get(debit)) {
    const { available } = await balanceOf(tx, debit);
    if (available < amount)
      throw new InsufficientCreditsError({ what: what ?? code, needed: amount, available });
  }
  const inserted = await tx.query<{ transfer_id: string }>(
    `INSERT INTO ledger_transfer (debit_account, credit_account, amount, flag, code, reason, deal_id, task_id, judgement_id, chain_tx, created_at, replica_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING transfer_id::text`,
    [
      debit,
      credit,
      amount,
      pending ? 'pending' : 'posted',
      code,
      cause.reason,
      cause.dealId ?? null,
      cause.taskId ?? null,
      cause.judgementId ?? null,
      cause.chainTx ?? null,
      now,
      cause.replicaId ?? null,
    ],
  );
  return Number(inserted.rows[0]?.transfer_id);
}

/**
 * Resolves a pending transfer: `post` moves its amount, `void` returns it. Each pending transfer is resolved
 * once (a unique index), so a retried settlement cannot pay twice.
 */
export async function resolvePending(
  tx: Queryable,
  {
    pendingId,
    outcome,
    code,
    ...cause
  }: TransferCause & { pendingId: number; outcome: 'post' | 'void'; code: TransferCode },
  now: Date,
): Promise<number> {
  const found = await tx.query<{
    debit_account: string;
    credit_account: string;
    amount: string;
    flag: string;
  }>('SELECT debit_account, credit_account, amount::text, flag FROM ledger_transfer WHERE transfer_id = $1', [
    pendingId,
  ]);
  const pending = found.rows[0];
  assert(pending !== undefined && pending.flag === 'pending', 'only a pending transfer is resolved');
  await lockAccounts(tx, [pending.debit_account, pending.credit_account]);
  const inserted = await tx.query<{ transfer_id: string }>(
    `INSERT INTO ledger_transfer (debit_account, credit_account, amount, flag, pending_id, code, reason, deal_id, task_id, judgement_id, chain_tx, created_at, replica_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING transfer_id::text`,
    [
      pending.debit_account,
      pending.credit_account,
      pending.amount,
      outcome === 'post' ? 'post_pending' : 'void_pending',
      pendingId,
      code,
      cause.reason,
      cause.dealId ?? null,
      cause.taskId ?? null,
      cause.judgementId ?? null,
      cause.chainTx ?? null,
      now,
      cause.replicaId ?? null,
    ],
  );
  return Number(inserted.rows[0]?.transfer_id);
}

export type LedgerCheck = {
  /** Σ of every account's posted balance: 0 when every credit taken from one account went to another. */
  postedSum: number;
  /** Accounts that may not go negative but whose available balance is below 0. */
  negative: { account: string; available: number }[];
  /** Pending transfers resolved more than once, or resolutions of what was not pending. */
  badResolutions: number;
};

/** Checks the whole ledger's invariants (the property test, `hub ledger check`): money is conserved, no balance is negative. */
export async function checkLedger(db: Queryable): Promise<LedgerCheck> {
  const accounts = await db.query<{ ledger_account_id: string; may_go_negative: boolean }>(
    'SELECT ledger_account_id, may_go_negative FROM ledger_account ORDER BY ledger_account_id',
  );
  const negative: LedgerCheck['negative'] = [];
  let postedSum = 0;
  for (const account of accounts.rows) {
    const balance = await balanceOf(db, account.ledger_account_id);
    postedSum += balance.posted;
    if (!account.may_go_negative && balance.available < 0)
      negative.push({ account: account.ledger_account_id, available: balance.available });
  }
  const bad = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger_transfer r JOIN ledger_transfer p ON p.transfer_id = r.pending_id
      WHERE p.flag <> 'pending' OR p.amount <> r.amount OR p.debit_account <> r.debit_account OR p.credit_account <> r.credit_account`,
  );
  return { postedSum, negative, badResolutions: bad.rows[0]?.n ?? 0 };
}

/**
 * Asserts, in the caller's transaction before it commits, that the touched accounts are sound: none that
 * may not go negative is below zero. A failed assertion rolls the whole operation back.
 */
export async function assertAccountsSound(tx: Queryable, accounts: Iterable<LedgerAccountId>): Promise<void> {
  for (const account of new Set(accounts)) {
    if (account === SYSTEM.bridge || account === SYSTEM.faucet) continue;
    const { available } = await balanceOf(tx, account);
    assert(available >= 0, `ledger account ${account} stays at or above zero (it would be ${available})`);
  }
}
