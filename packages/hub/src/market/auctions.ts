import { inputsHash, isProofGridError, parseSignedOrder } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import type { Queryable } from '../store/Store.ts';
import { AUCTION_SWEEP_BATCH_MAX, AUCTIONS_OPEN_PER_ACCOUNT_MAX } from './config.ts';
import { DealNotFoundError, InvalidOrderMarketError } from './errors.ts';
import { fillOrders } from './fillOrders.ts';
import { lockAccounts, resolvePending, SYSTEM, transfer } from './ledger/ledger.ts';
import { checkMaker, insertOrder } from './orders.ts';

/** The reverse-Dutch price at `nowMs`: from the minimum up to the maximum, linearly over the ramp. */
export function auctionPrice(
  {
    minPrice,
    maxPrice,
    startedMs,
    rampMs,
  }: { minPrice: number; maxPrice: number; startedMs: number; rampMs: number },
  nowMs: number,
): number {
  const progress = Math.min(1, Math.max(0, (nowMs - startedMs) / rampMs));
  return minPrice + Math.floor((maxPrice - minPrice) * progress);
}

/**
 * Runs a request as a reverse-Dutch auction (Boundless) instead of filling it at once: its pool price starts
 * at `minPrice` and rises to the request's `pool_max_price` over `rampSeconds`; the hub tries it against the
 * orderbook every second, so the first pool whose order's price is reached takes it at that price. The
 * deal's tasks must then be delivered within `lockTimeoutSeconds`, or the locking pool's stake is seized and
 * the tasks are opened to every pool.
 *
 * @throws INVALID_ORDER, WALLET_NOT_LINKED
 */
export async function createAuction(
  ctx: HubContext,
  {
    organizationId,
    request,
    inputs,
    minPrice,
    rampSeconds,
    lockTimeoutSeconds,
  }: {
    organizationId: string;
    request: unknown;
    inputs: string[];
    minPrice: number;
    rampSeconds: number;
    lockTimeoutSeconds: number;
  },
): Promise<{ auctionId: string }> {
  const signed = parseSignedOrder(request);
  if (signed.order.kind !== 'request')
    throw new InvalidOrderMarketError({ reason: 'an auction takes a request order' });
  const order = signed.order;
  await checkMaker(ctx, ctx.store, organizationId, signed);
  if (inputs.length !== order.volume || inputsHash(inputs) !== order.inputs_hash)
    throw new InvalidOrderMarketError({
      reason: "the inputs sent are not the ones the request's inputs_hash and volume name",
    });
  if (minPrice > order.pool_max_price)
    throw new InvalidOrderMarketError({
      reason: `the auction's minimum ${minPrice} nano is above the request's maximum pool price ${order.pool_max_price} nano`,
    });
  const now = new Date(ctx.clock.nowMs());
  const auctionId = await ctx.store.transaction(async (tx) => {
    const open = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM auction WHERE organization_id = $1 AND state = 'open'`,
      [organizationId],
    );
    if ((open.rows[0]?.n ?? 0) >= AUCTIONS_OPEN_PER_ACCOUNT_MAX)
      throw new InvalidOrderMarketError({
        reason: `you have ${AUCTIONS_OPEN_PER_ACCOUNT_MAX} auctions open already; wait for one to lock or end`,
      });
    const hash = await insertOrder(tx, organizationId, signed, now);
    await tx.query(
      `INSERT INTO auction (auction_id, organization_id, signed, inputs, min_price, max_price, started_at, ramp_ms, lock_timeout_ms,
                            state, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $7) ON CONFLICT (auction_id) DO NOTHING`,
      [
        hash,
        organizationId,
        JSON.stringify(signed),
        JSON.stringify(inputs),
        minPrice,
        order.pool_max_price,
        now,
        rampSeconds * 1000,
        lockTimeoutSeconds * 1000,
      ],
    );
    return hash;
  });
  return { auctionId };
}

type AuctionRow = {
  auction_id: string;
  organization_id: string;
  signed: unknown;
  inputs: string[];
  min_price: string;
  max_price: string;
  started_at: Date;
  ramp_ms: number;
  lock_timeout_ms: number;
  state: string;
  deal_id: string | null;
  last_reason: string | null;
};

const priceOf = (
  row: Pick<AuctionRow, 'min_price' | 'max_price' | 'started_at' | 'ramp_ms'>,
  nowMs: number,
) =>
  auctionPrice(
    {
      minPrice: Number(row.min_price),
      maxPrice: Number(row.max_price),
      startedMs: row.started_at.getTime(),
      rampMs: row.ramp_ms,
    },
    nowMs,
  );

/** An auction, for its requester: state, price now, the deal once locked, and why it is not locked yet. */
export async function showAuction(
  ctx: HubContext,
  { organizationId, auctionId }: { organizationId: string; auctionId: string },
) {
  const found = await ctx.store.query<AuctionRow>('SELECT * FROM auction WHERE auction_id = $1', [auctionId]);
  const row = found.rows[0];
  if (row === undefined || row.organization_id !== organizationId)
    throw new DealNotFoundError({ what: `auction ${auctionId}` });
  return {
    auction_id: row.auction_id,
    state: row.state,
    min_price: Number(row.min_price),
    max_price: Number(row.max_price),
    /** The price the auction offers now; null once a pool locked it (the deal holds the price it took). */
    price_now: row.state === 'open' ? priceOf(row, ctx.clock.nowMs()) : null,
    started_at: row.started_at.toISOString(),
    ramp_seconds: row.ramp_ms / 1000,
    lock_timeout_seconds: row.lock_timeout_ms / 1000,
    deal_id: row.deal_id,
    waiting: row.state === 'open' ? (row.last_reason ?? 'not tried yet') : null,
  };
}

/**
 * Tries every open auction against the orderbook at its current price (the hub's sweep, each second). A
 * cheap look at the orderbook comes first, so an auction no pool order can reach costs one query, not the
 * parsing of its inputs. A fill makes the deal and locks the auction in one transaction; a refusal is kept
 * as the reason it waits. An auction still unlocked a lock timeout after its price reached its maximum
 * ends (nothing was locked, so nothing moves).
 */
export async function sweepAuctions(ctx: HubContext): Promise<number> {
  const open = await ctx.store.query<
    Omit<AuctionRow, 'inputs' | 'signed'> & { category: string; trust: number; pool: string; tag: string[] }
  >(
    `SELECT auction_id, organization_id, min_price::text, max_price::text, started_at, ramp_ms, lock_timeout_ms, state, deal_id, last_reason,
            signed->'order'->>'category' AS category, (signed->'order'->>'trust')::int AS trust, signed->'order'->>'pool' AS pool,
            ARRAY(SELECT jsonb_array_elements_text(signed->'order'->'tag')) AS tag
       FROM auction WHERE state = 'open' ORDER BY started_at LIMIT $1`,
    [AUCTION_SWEEP_BATCH_MAX],
  );
  let locked = 0;
  for (const row of open.rows) {
    const nowMs = ctx.clock.nowMs();
    const priceNow = priceOf(row, nowMs);
    const now = new Date(nowMs);
    if (nowMs >= row.started_at.getTime() + row.ramp_ms + row.lock_timeout_ms) {
      await ctx.store.query(
        `UPDATE auction SET state = 'cancelled', last_reason = $2, updated_at = $3 WHERE auction_id = $1 AND state = 'open'`,
        [row.auction_id, `ended unlocked: no pool took it up to its maximum of ${row.max_price} nano`, now],
      );
      continue;
    }
    const cheapest = await ctx.store.query<{ price: string | null }>(
      `SELECT min(price)::text AS price FROM market_order WHERE kind = 'pool' AND category = $1 AND trust >= $2 AND tag @> $3
          AND ($4::text = '' OR pool_id = $4::uuid) AND cancelled_at IS NULL AND consumed < volume`,
      [row.category, row.trust, row.tag, row.pool],
    );
    const cheapestPrice = cheapest.rows[0]?.price ?? null;
    if (cheapestPrice === null || Number(cheapestPrice) > priceNow) {
      await ctx.store.query('UPDATE auction SET last_reason = $2, updated_at = $3 WHERE auction_id = $1', [
        row.auction_id,
        cheapestPrice === null
          ? `at ${priceNow} nano: no live pool order fits (category ${row.category}, trust ${row.trust})`
          : `at ${priceNow} nano: the cheapest pool order that fits asks ${cheapestPrice} nano, above the auction's price`,
        now,
      ]);
      continue;
    }
    const full = await ctx.store.query<Pick<AuctionRow, 'signed' | 'inputs'>>(
      'SELECT signed, inputs FROM auction WHERE auction_id = $1',
      [row.auction_id],
    );
    const { signed, inputs } = full.rows[0] as Pick<AuctionRow, 'signed' | 'inputs'>;
    try {
      await fillOrders(ctx, {
        organizationId: row.organization_id,
        request: signed,
        inputs,
        auction: {
          auctionId: row.auction_id,
          priceNow,
          finalDeadline: new Date(nowMs + row.lock_timeout_ms),
        },
      });
      locked++;
    } catch (error) {
      if (!isProofGridError(error)) throw error;
      await ctx.store.query('UPDATE auction SET last_reason = $2, updated_at = $3 WHERE auction_id = $1', [
        row.auction_id,
        `at ${priceNow} nano: ${error.shortMessage}`,
        now,
      ]);
    }
  }
  return locked;
}

type ExpiredRow = {
  task_id: string;
  program_id: string;
  attempt: number;
  state: 'open' | 'proven';
  deal_id: string;
  lock_timeout_ms: number;
};

/**
 * An auction's task whose locker missed its lock timeout (in the claim sweep's transaction): the pool's
 * stake on it is seized into the task's escrow, where it rewards whoever delivers, and the task is opened to
 * every pool's workers with a new deadline. A task reopened once is claimed as any other when it expires.
 * Returns the tasks reopened.
 */
export async function reopenExpiredAuctionTasks(tx: Queryable, now: Date): Promise<string[]> {
  const expired = await tx.query<ExpiredRow>(
    `SELECT t.task_id, t.program_id, t.attempt, t.state, t.deal_id, a.lock_timeout_ms
       FROM task t JOIN deal d USING (deal_id) JOIN auction a ON a.auction_id = d.auction_id
      WHERE t.state IN ('open', 'proven') AND NOT t.reopened AND t.final_deadline <= $1
        AND NOT EXISTS (SELECT 1 FROM task_settlement s WHERE s.task_id = t.task_id)
      ORDER BY t.final_deadline LIMIT $2 FOR UPDATE OF t SKIP LOCKED`,
    [now, AUCTION_SWEEP_BATCH_MAX],
  );
  for (const task of expired.rows) {
    const stakes = await tx.query<{ transfer_id: string; debit_account: string; amount: string }>(
      `SELECT t.transfer_id::text, t.debit_account, t.amount::text FROM ledger_transfer t
        WHERE t.task_id = $1 AND t.code = 'pool_stake' AND t.flag = 'pending'
          AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.transfer_id)`,
      [task.task_id],
    );
    await lockAccounts(tx, [...stakes.rows.map((s) => s.debit_account), SYSTEM.escrow, SYSTEM.stakes]);
    const cause = { dealId: task.deal_id, taskId: task.task_id };
    for (const stake of stakes.rows) {
      await resolvePending(
        tx,
        {
          pendingId: Number(stake.transfer_id),
          outcome: 'post',
          code: 'stake_seized',
          reason: 'the locking pool missed its lock timeout',
          ...cause,
        },
        now,
      );
      await transfer(
        tx,
        {
          debit: SYSTEM.stakes,
          credit: SYSTEM.escrow,
          amount: Number(stake.amount),
          code: 'stake_seized',
          reason: "the locker's seized stake rewards whoever delivers the reopened task",
          ...cause,
        },
        now,
      );
    }
    const reason = `its locking pool missed the lock timeout: opened to every pool until ${new Date(now.getTime() + task.lock_timeout_ms).toISOString()}`;
    await tx.query(
      `UPDATE task SET reopened = true, pool_id = NULL, final_deadline = $2 WHERE task_id = $1`,
      [task.task_id, new Date(now.getTime() + task.lock_timeout_ms)],
    );
    // Live leases of the locker's workers end without blame; their stakes are released at the settlement.
    await tx.query(
      `UPDATE replica SET state = 'returned', submitted_at = $2 WHERE task_id = $1 AND state = 'leased'`,
      [task.task_id, now],
    );
    await tx.query(
      `INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
       VALUES ($1, $2, $3, 'reopened', $4, $4, $5, $6)`,
      [task.task_id, task.program_id, task.attempt, task.state, reason, now],
    );
  }
  return expired.rows.map((row) => row.task_id);
}
