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

/**
 * What an account holds, in exact integers: the system's accounts (the faucet, the bridge) accumulate sums
 * past 2^53 over a hub's life, where a JavaScript number would round.
 */
type Snapshot = { posted: bigint; locked: bigint; stake: bigint; withdrawing: bigint; incoming: bigint };
const ZERO: Snapshot = { posted: 0n, locked: 0n, stake: 0n, withdrawing: 0n, incoming: 0n };

const availableOf = (s: Snapshot): bigint => s.posted - s.locked - s.stake - s.withdrawing;

/** A snapshot as numbers, for people and the API (an organization's amounts are far inside 2^53). */
function withAvailable(snapshot: Snapshot): Balance {
  return {
    posted: Number(snapshot.posted),
    locked: Number(snapshot.locked),
    stake: Number(snapshot.stake),
    withdrawing: Number(snapshot.withdrawing),
    incoming: Number(snapshot.incoming),
    available: Number(availableOf(snapshot)),
  };
}

const sameSnapshot = (a: Snapshot, b: Snapshot) =>
  a.posted === b.posted &&
  a.locked === b.locked &&
  a.stake === b.stake &&
  a.withdrawing === b.withdrawing &&
  a.incoming === b.incoming;

/** Which reservation a pending transfer out of an account is. */
function bucketOf(code: string): 'locked' | 'stake' | 'withdrawing' {
  if (STAKE_CODES.has(code)) return 'stake';
  return code === 'withdrawal' ? 'withdrawing' : 'locked';
}

async function snapshotOf(tx: Queryable, account: LedgerAccountId): Promise<Snapshot> {
  const found = await tx.query<Record<keyof Snapshot, string>>(
    `SELECT posted::text, locked::text, stake::text, withdrawing::text, incoming::text FROM ledger_balance
      WHERE ledger_account_id = $1 ORDER BY transfer_id DESC LIMIT 1`,
    [account],
  );
  const row = found.rows[0];
  if (row === undefined) return { ...ZERO };
  return {
    posted: BigInt(row.posted),
    locked: BigInt(row.locked),
    stake: BigInt(row.stake),
    withdrawing: BigInt(row.withdrawing),
    incoming: BigInt(row.incoming),
  };
}

/** An account's balance: the one its latest transfer left (one index lookup). */
export async function balanceOf(tx: Queryable, account: LedgerAccountId): Promise<Balance> {
  return withAvailable(await snapshotOf(tx, account));
}

/** An account's holdings derived from its transfers alone, summing them (the audit's reference). */
async function derivedSnapshotOf(tx: Queryable, account: LedgerAccountId): Promise<Snapshot> {
  const found = await tx.query<{ flag: string; code: string; incoming: boolean; amount: string }>(
    `SELECT t.flag, t.code, t.credit_account = $1 AS incoming, sum(t.amount)::text AS amount
       FROM ledger_transfer t
      WHERE (t.debit_account = $1 OR t.credit_account = $1) AND t.flag <> 'void_pending'
        AND (t.flag <> 'pending' OR NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.transfer_id))
      GROUP BY 1, 2, 3`,
    [account],
  );
  const snapshot: Snapshot = { ...ZERO };
  for (const row of found.rows) {
    const amount = BigInt(row.amount);
    if (row.flag === 'pending') {
      if (row.incoming) snapshot.incoming += amount;
      else snapshot[bucketOf(row.code)] += amount;
    } else snapshot.posted += row.incoming ? amount : -amount;
  }
  return snapshot;
}

/** Appends the balances a transfer leaves on its two accounts. */
async function recordBalances(
  tx: Queryable,
  transferId: number,
  entries: readonly { account: LedgerAccountId; snapshot: Snapshot }[],
): Promise<void> {
  for (const { snapshot } of entries)
    assert(
      snapshot.locked >= 0n && snapshot.stake >= 0n && snapshot.withdrawing >= 0n && snapshot.incoming >= 0n,
      'reservations never go below zero',
    );
  await tx.query(
    `INSERT INTO ledger_balance (ledger_account_id, transfer_id, posted, locked, stake, withdrawing, incoming)
     SELECT a, $1, p, l, s, w, i FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       AS u(a, p, l, s, w, i)`,
    [
      transferId,
      entries.map((e) => e.account),
      entries.map((e) => e.snapshot.posted.toString()),
      entries.map((e) => e.snapshot.locked.toString()),
      entries.map((e) => e.snapshot.stake.toString()),
      entries.map((e) => e.snapshot.withdrawing.toString()),
      entries.map((e) => e.snapshot.incoming.toString()),
    ],
  );
}

/**
 * Locks accounts' rows, in one order (organizations, then the system's), so concurrent transfers out of one
 * account check its balance in turn. An operation that moves money between several accounts locks them all
 * first, in one call: locks taken call by call in different orders by two transactions would deadlock.
 */
export async function lockAccounts(
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
  const from = await snapshotOf(tx, debit);
  const to = await snapshotOf(tx, credit);
  if (!mayGoNegative.get(debit) && availableOf(from) < BigInt(amount))
    throw new InsufficientCreditsError({
      what: what ?? code,
      needed: amount,
      available: Number(availableOf(from)),
    });
  const id = await insertTransfer(tx, {
    debit,
    credit,
    amount: String(amount),
    flag: pending ? 'pending' : 'posted',
    pendingId: null,
    code,
    cause,
    now,
  });
  const moved = BigInt(amount);
  if (pending) {
    from[bucketOf(code)] += moved;
    to.incoming += moved;
  } else {
    from.posted -= moved;
    to.posted += moved;
  }
  await recordBalances(tx, id, [
    { account: debit, snapshot: from },
    { account: credit, snapshot: to },
  ]);
  return id;
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
    code: string;
  }>(
    'SELECT debit_account, credit_account, amount::text, flag, code FROM ledger_transfer WHERE transfer_id = $1',
    [pendingId],
  );
  const pending = found.rows[0];
  assert(pending !== undefined && pending.flag === 'pending', 'only a pending transfer is resolved');
  await lockAccounts(tx, [pending.debit_account, pending.credit_account]);
  const from = await snapshotOf(tx, pending.debit_account);
  const to = await snapshotOf(tx, pending.credit_account);
  const id = await insertTransfer(tx, {
    debit: pending.debit_account,
    credit: pending.credit_account,
    amount: pending.amount,
    flag: outcome === 'post' ? 'post_pending' : 'void_pending',
    pendingId,
    code,
    cause,
    now,
  });
  const amount = BigInt(pending.amount);
  from[bucketOf(pending.code)] -= amount;
  to.incoming -= amount;
  if (outcome === 'post') {
    from.posted -= amount;
    to.posted += amount;
  }
  await recordBalances(tx, id, [
    { account: pending.debit_account, snapshot: from },
    { account: pending.credit_account, snapshot: to },
  ]);
  return id;
}

/** Appends one transfer row; returns its id. */
async function insertTransfer(
  tx: Queryable,
  t: {
    debit: LedgerAccountId;
    credit: LedgerAccountId;
    amount: string;
    flag: 'posted' | 'pending' | 'post_pending' | 'void_pending';
    pendingId: number | null;
    code: TransferCode;
    cause: TransferCause;
    now: Date;
  },
): Promise<number> {
  const inserted = await tx.query<{ transfer_id: string }>(
    `INSERT INTO ledger_transfer (debit_account, credit_account, amount, flag, pending_id, code, reason, deal_id, task_id,
                                  judgement_id, chain_tx, created_at, replica_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING transfer_id::text`,
    [
      t.debit,
      t.credit,
      t.amount,
      t.flag,
      t.pendingId,
      t.code,
      t.cause.reason,
      t.cause.dealId ?? null,
      t.cause.taskId ?? null,
      t.cause.judgementId ?? null,
      t.cause.chainTx ?? null,
      t.now,
      t.cause.replicaId ?? null,
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
  /** Accounts whose recorded balance is not what their transfers add up to. */
  mismatched: string[];
};

/** Checks the whole ledger's invariants (the property test, `hub ledger check`): money is conserved, no balance is negative. */
export async function checkLedger(db: Queryable): Promise<LedgerCheck> {
  const accounts = await db.query<{ ledger_account_id: string; may_go_negative: boolean }>(
    'SELECT ledger_account_id, may_go_negative FROM ledger_account ORDER BY ledger_account_id',
  );
  const negative: LedgerCheck['negative'] = [];
  let postedSum = 0n;
  const mismatched: string[] = [];
  for (const account of accounts.rows) {
    const derived = await derivedSnapshotOf(db, account.ledger_account_id);
    if (!sameSnapshot(derived, await snapshotOf(db, account.ledger_account_id)))
      mismatched.push(account.ledger_account_id);
    const balance = withAvailable(derived);
    postedSum += derived.posted;
    if (!account.may_go_negative && balance.available < 0)
      negative.push({ account: account.ledger_account_id, available: balance.available });
  }
  const bad = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger_transfer r JOIN ledger_transfer p ON p.transfer_id = r.pending_id
      WHERE p.flag <> 'pending' OR p.amount <> r.amount OR p.debit_account <> r.debit_account OR p.credit_account <> r.credit_account`,
  );
  return { postedSum: Number(postedSum), negative, badResolutions: bad.rows[0]?.n ?? 0, mismatched };
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
