import { assert, splitReward } from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';
import {
  assertAccountsSound,
  type LedgerAccountId,
  lockAccounts,
  organizationAccount,
  resolvePending,
  SYSTEM,
  type TransferCode,
  transfer,
} from './ledger/ledger.ts';
import { appendReceipts, type ReceiptDraft } from './receipts.ts';

/** A replica's part in a settled task: who ran it, its weight in the vote, the judgement it got. */
export type SettledReplica = {
  replicaId: string;
  workerId: string;
  weight: number;
  judgementId: number | null;
};

/**
 * How a deal task ended, as its verdict (or its claim) says:
 * - `paid`: a result (or a failure every agreeing replica reached) was accepted: everyone is paid;
 * - `refunded`: no result could be accepted (no consensus within the replicas allowed): the requester gets
 *   its escrow back and every stake is released, since nobody was proven wrong;
 * - `claimed`: the final deadline passed unfinished: the requester is refunded and the pool's stake seized.
 */
export type Settlement = {
  taskId: string;
  outcome: 'paid' | 'refunded' | 'claimed';
  reason: string;
  resultHash: string | null;
  winners: SettledReplica[];
  losers: SettledReplica[];
};

type Deal = {
  deal_id: string;
  requester_id: string;
  program_owner_id: string;
  pool_owner_id: string;
  program_price: string;
  pool_price: string;
  worker_share_percent: number;
};

type Pending = {
  transfer_id: string;
  code: TransferCode;
  replica_id: string | null;
  debit_account: string;
  amount: string;
};

/**
 * Settles deal tasks at their verdict, in the verdict's transaction: the task's escrow is posted and paid
 * out (program owner, winning workers by log2 of their weight plus the losers' seized stakes, the pool the
 * rest) or voided back to the requester; every stake is released or seized. Each movement is a ledger
 * transfer naming the judgement it rests on, and each gets a receipt, as does the verdict. A task is settled
 * once: `task_settlement`'s primary key refuses a second settlement, so a retried or replayed verdict
 * cannot pay anyone twice.
 */
export async function settleTasks(
  tx: Queryable,
  settlements: readonly Settlement[],
  now: Date,
): Promise<void> {
  for (const settlement of settlements) await settleTask(tx, settlement, now);
}

async function settleTask(tx: Queryable, settlement: Settlement, now: Date): Promise<void> {
  const { taskId } = settlement;
  const found = await tx.query<Deal>(
    `SELECT d.deal_id, d.requester_id, d.program_owner_id, d.pool_owner_id, d.program_price::text, d.pool_price::text,
            d.worker_share_percent
       FROM task t JOIN deal d USING (deal_id) WHERE t.task_id = $1`,
    [taskId],
  );
  const deal = found.rows[0];
  assert(deal !== undefined, 'a settled task belongs to a deal');
  // A reopened auction task: its locker's seized stake already sits in its escrow, and no pool is paid.
  const reopened = await tx.query<{ reopened: boolean; bonus: string }>(
    `SELECT t.reopened, (SELECT coalesce(sum(amount), 0) FROM ledger_transfer b
                          WHERE b.task_id = t.task_id AND b.code = 'stake_seized' AND b.flag = 'posted'
                            AND b.debit_account = 'system:stakes' AND b.credit_account = 'system:escrow')::text AS bonus
       FROM task t WHERE t.task_id = $1`,
    [taskId],
  );
  const isReopened = reopened.rows[0]?.reopened === true;
  const bonus = Number(reopened.rows[0]?.bonus ?? 0);
  const settled = await tx.query(
    `INSERT INTO task_settlement (task_id, deal_id, outcome, reason, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (task_id) DO NOTHING`,
    [taskId, deal.deal_id, settlement.outcome, settlement.reason, now],
  );
  // Settled before: whatever decided it again moves no money (the first settlement stands).
  if (settled.rowCount === 0) return;
  const pendings = (
    await tx.query<Pending>(
      `SELECT t.transfer_id::text, t.code, t.replica_id, t.debit_account, t.amount::text FROM ledger_transfer t
        WHERE t.task_id = $1 AND t.flag = 'pending'
          AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.transfer_id)
        ORDER BY t.transfer_id`,
      [taskId],
    )
  ).rows;
  const owners = await workerOwners(
    tx,
    [...settlement.winners, ...settlement.losers].map((r) => r.workerId),
  );
  // Every account this settlement may move, locked at once in the ledger's order (see `lockAccounts`).
  await lockAccounts(tx, [
    organizationAccount(deal.requester_id),
    organizationAccount(deal.program_owner_id),
    organizationAccount(deal.pool_owner_id),
    ...[...owners.values()].map(organizationAccount),
    ...pendings.map((pending) => pending.debit_account),
    SYSTEM.escrow,
    SYSTEM.stakes,
    SYSTEM.kitty,
  ]);
  const receipts: ReceiptDraft[] = [];
  const touched = new Set<LedgerAccountId>();
  const base = { dealId: deal.deal_id, taskId };
  const record = (body: Record<string, string | number | null>) =>
    receipts.push({
      kind: 'payment',
      dealId: deal.deal_id,
      taskId,
      body: { task: taskId, deal: deal.deal_id, ...body },
    });
  const resolve = async (
    pending: Pending,
    outcome: 'post' | 'void',
    code: TransferCode,
    reason: string,
    judgementId: number | null,
  ) => {
    const id = await resolvePending(
      tx,
      {
        pendingId: Number(pending.transfer_id),
        outcome,
        code,
        reason,
        judgementId,
        replicaId: pending.replica_id,
        ...base,
      },
      now,
    );
    touched.add(pending.debit_account);
    record({
      transfer: id,
      code,
      outcome,
      from: pending.debit_account,
      amount: Number(pending.amount),
      judgement: judgementId,
      reason,
    });
  };
  const pay = async (
    credit: LedgerAccountId,
    amount: number,
    code: TransferCode,
    reason: string,
    judgementId: number | null,
    debit: LedgerAccountId = SYSTEM.escrow,
  ) => {
    if (amount <= 0) return;
    const id = await transfer(tx, { debit, credit, amount, code, reason, judgementId, ...base }, now);
    touched.add(debit);
    touched.add(credit);
    record({
      transfer: id,
      code,
      outcome: 'posted',
      from: debit,
      to: credit,
      amount,
      judgement: judgementId,
      reason,
    });
  };
  const escrows = pendings.filter((p) => p.code === 'escrow');
  const poolStakes = pendings.filter((p) => p.code === 'pool_stake');
  const workerStakes = pendings.filter((p) => p.code === 'worker_stake');
  const firstWinner = settlement.winners[0]?.judgementId ?? null;

  if (settlement.outcome === 'paid') {
    for (const escrow of escrows)
      await resolve(escrow, 'post', 'escrow', 'the task was verified: its escrow pays it', firstWinner);
    const losers = new Map(settlement.losers.map((loser) => [loser.replicaId, loser]));
    let seized = 0;
    for (const stake of workerStakes) {
      const loser = stake.replica_id === null ? undefined : losers.get(stake.replica_id);
      if (loser === undefined) {
        await resolve(
          stake,
          'void',
          'stake_released',
          'the worker was not proven wrong: its stake is released',
          null,
        );
        continue;
      }
      await resolve(
        stake,
        'post',
        'stake_seized',
        'its result was outvoted: its stake is seized for the winners',
        loser.judgementId,
      );
      seized += Number(stake.amount);
    }
    // Seized stakes join the escrow, from which every payment of the task is made.
    await pay(
      SYSTEM.escrow,
      seized,
      'stake_seized',
      "the losers' stakes go to the winners",
      null,
      SYSTEM.stakes,
    );
    for (const stake of poolStakes)
      await resolve(
        stake,
        'void',
        'stake_released',
        'the pool delivered: its stake is released',
        firstWinner,
      );
    await pay(
      organizationAccount(deal.program_owner_id),
      Number(deal.program_price),
      'program_payment',
      "the program's price for a verified task",
      firstWinner,
    );
    const split = splitReward({
      poolPrice: Number(deal.pool_price),
      workerSharePercent: isReopened ? 100 : deal.worker_share_percent,
      seized: seized + bonus,
      winnerWeights: settlement.winners.map((winner) => winner.weight),
    });
    for (const [i, winner] of settlement.winners.entries()) {
      const owner = owners.get(winner.workerId);
      assert(owner !== undefined, 'a pool member belongs to an account');
      await pay(
        organizationAccount(owner),
        split.workers[i] ?? 0,
        'worker_payment',
        `its result was accepted (weight ${winner.weight})`,
        winner.judgementId,
      );
    }
    if (isReopened)
      await pay(
        SYSTEM.kitty,
        split.pool,
        'pool_payment',
        'rounding remainders of a reopened task, whose locker is not paid',
        firstWinner,
      );
    else
      await pay(
        organizationAccount(deal.pool_owner_id),
        split.pool,
        'pool_payment',
        "the pool's share of its price",
        firstWinner,
      );
  } else {
    const claimed = settlement.outcome === 'claimed';
    // A reopened task nobody delivered: its locker's seized stake leaves the escrow for the kitty.
    await pay(SYSTEM.kitty, bonus, 'stake_seized', "the locker's seized stake, the task undelivered", null);
    for (const escrow of escrows)
      await resolve(
        escrow,
        'void',
        'refund',
        claimed
          ? 'the task passed its final deadline: refunded in full'
          : `no result was accepted (${settlement.reason}): refunded in full`,
        null,
      );
    for (const stake of workerStakes)
      await resolve(stake, 'void', 'stake_released', 'nobody was proven wrong: the stake is released', null);
    for (const stake of poolStakes)
      if (claimed)
        await resolve(
          stake,
          'post',
          'stake_seized',
          'the pool missed the final deadline: its stake is seized',
          null,
        );
      else
        await resolve(
          stake,
          'void',
          'stake_released',
          'nobody was proven wrong: the stake is released',
          null,
        );
    if (claimed) {
      const seized = poolStakes.reduce((sum, stake) => sum + Number(stake.amount), 0);
      await pay(
        SYSTEM.kitty,
        seized,
        'stake_seized',
        "the pool's seized stake goes to the kitty, as in PoCo",
        null,
        SYSTEM.stakes,
      );
    }
  }
  receipts.unshift({
    kind: 'verdict',
    dealId: deal.deal_id,
    taskId,
    body: {
      task: taskId,
      deal: deal.deal_id,
      outcome: settlement.outcome,
      reason: settlement.reason,
      result_hash: settlement.resultHash,
      winners: settlement.winners.map((w) => w.workerId),
      losers: settlement.losers.map((l) => l.workerId),
    },
  });
  await appendReceipts(tx, receipts, now);
  await assertAccountsSound(tx, touched);
  const escrowLeft = await tx.query<{ n: string }>(
    `SELECT (coalesce(sum(amount) FILTER (WHERE credit_account = $2), 0) - coalesce(sum(amount) FILTER (WHERE debit_account = $2), 0))::text AS n
       FROM ledger_transfer WHERE task_id = $1 AND flag IN ('posted', 'post_pending')`,
    [taskId, SYSTEM.escrow],
  );
  assert(Number(escrowLeft.rows[0]?.n) === 0, 'a settled task leaves nothing in escrow');
}

async function workerOwners(tx: Queryable, workerIds: readonly string[]): Promise<Map<string, string>> {
  if (workerIds.length === 0) return new Map();
  const found = await tx.query<{ worker_id: string; organization_id: string | null }>(
    'SELECT worker_id, organization_id FROM worker WHERE worker_id = ANY($1::uuid[])',
    [[...new Set(workerIds)]],
  );
  const owners = new Map<string, string>();
  for (const row of found.rows)
    if (row.organization_id !== null) owners.set(row.worker_id, row.organization_id);
  return owners;
}
