import { randomInt, randomUUID } from 'node:crypto';
import {
  categoryDeadlines,
  decodeBase64,
  formatCredits,
  inputsHash,
  matchOrders,
  type PoolOrder,
  type ProgramOrder,
  parseSignedOrder,
  type RequestOrder,
} from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { insertValues } from '../inputs/uploadInputGroup.ts';
import type { Queryable } from '../store/Store.ts';
import { POOL_STAKE_PERCENT, WORKER_STAKE_PERCENT } from './config.ts';
import {
  InsufficientCreditsError,
  InvalidOrderMarketError,
  OrderNotFoundError,
  OrdersDoNotMatchError,
} from './errors.ts';
import {
  assertAccountsSound,
  balanceOf,
  lockAccounts,
  openOrganizationAccount,
  SYSTEM,
  transfer,
} from './ledger/ledger.ts';
import { checkMaker, insertOrder, type OrderRow, remainingOf } from './orders.ts';

export type Deal = {
  dealId: string;
  volume: number;
  programPrice: number;
  poolPrice: number;
  taskIds: string[];
  poolId: string;
  category: string;
  trust: number;
  finalDeadline: Date;
};

const ORDER_COLUMNS =
  'order_hash, kind, organization_id, signed, volume, consumed, published_at, cancelled_at';

/**
 * Fills a request: matches it with a program order and a pool order (the ones named, or the cheapest that
 * fit), and makes a deal of the smallest remaining volume, in one transaction with the three orders locked,
 * so concurrent fills never oversell an order. The requester's escrow locks (program + pool price) per task,
 * the pool's manager stakes its share, and the tasks open on the request's next inputs, for the pool's
 * workers only. Every refusal says which rule did not fit.
 *
 * @throws INVALID_ORDER, WALLET_NOT_LINKED, ORDER_NOT_FOUND, ORDERS_DO_NOT_MATCH, INSUFFICIENT_CREDITS
 */
export async function fillOrders(
  ctx: HubContext,
  {
    organizationId,
    request: requestValue,
    programOrder,
    poolOrder,
    inputs,
    auction,
  }: {
    organizationId: string;
    request: unknown;
    programOrder?: string | undefined;
    poolOrder?: string | undefined;
    inputs: string[];
    /** An auction's fill: the pool price may not pass its current price, and the deal's deadline is its lock timeout. */
    auction?: { auctionId: string; priceNow: number; finalDeadline: Date } | undefined;
  },
): Promise<Deal> {
  const signed = parseSignedOrder(requestValue);
  if (signed.order.kind !== 'request')
    throw new InvalidOrderMarketError({ reason: 'a fill takes a request order' });
  const signedRequest = signed.order;
  // What the fill matches against: an auction offers, for now, only its current price.
  const request: RequestOrder =
    auction === undefined
      ? signedRequest
      : { ...signedRequest, pool_max_price: Math.min(signedRequest.pool_max_price, auction.priceNow) };
  await checkMaker(ctx, ctx.store, organizationId, signed);
  if (inputs.length !== request.volume)
    throw new InvalidOrderMarketError({
      reason: `the request's volume is ${request.volume} but ${inputs.length} input group(s) came with it`,
    });
  if (inputsHash(inputs) !== request.inputs_hash)
    throw new InvalidOrderMarketError({
      reason: "the inputs sent are not the ones the request's inputs_hash names",
    });
  const program = await ctx.programs.get(request.program);
  if (program === undefined)
    throw new OrderNotFoundError({ orderHash: request.program, why: 'names a program that exists' });
  const runtime = ctx.runtimes.get(program.runtime);
  // Parsed before the transaction: every input is checked by the program's runtime, as an upload is.
  const parsed = await Promise.all(
    inputs.map(async (text, i) => {
      const file = decodeBase64(text);
      if (file === undefined)
        throw new ValidationError({
          message: `inputs[${i}] is not standard base64.`,
          details: 'Send each input file base64-encoded.',
        });
      return runtime.parseInputs(program, file);
    }),
  );
  const now = new Date(ctx.clock.nowMs());
  return ctx.store.transaction(async (tx) => {
    const requestHash = await insertOrder(tx, organizationId, signed, now);
    const programRow = programOrder ?? (await cheapest(tx, 'program', request));
    const poolRow = poolOrder ?? (await cheapest(tx, 'pool', request));
    if (programRow === undefined)
      throw new OrdersDoNotMatchError({
        reasons: [
          `no live program order sells program ${request.program} at ${request.program_max_price} nano or less`,
        ],
      });
    if (poolRow === undefined) throw new OrdersDoNotMatchError({ reasons: [await whyNoPool(tx, request)] });
    // Locked in one order (by hash), so two fills of the same orders wait for each other instead of deadlocking.
    const locked = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM market_order WHERE order_hash = ANY($1::text[]) ORDER BY order_hash FOR UPDATE`,
      [[requestHash, programRow, poolRow]],
    );
    const byHash = new Map(locked.rows.map((row) => [row.order_hash, row]));
    const rows = {
      request: byHash.get(requestHash),
      program: byHash.get(programRow),
      pool: byHash.get(poolRow),
    };
    for (const [kind, row] of Object.entries(rows))
      if (row === undefined || row.kind !== kind)
        throw new OrderNotFoundError({
          orderHash: kind === 'program' ? programRow : poolRow,
          why: `is a ${kind} order`,
        });
    const requestRow = rows.request as OrderRow;
    const programOrderRow = rows.program as OrderRow;
    const poolOrderRow = rows.pool as OrderRow;
    const match = matchOrders({
      program: programOrderRow.signed.order as ProgramOrder,
      pool: poolOrderRow.signed.order as PoolOrder,
      request,
      remaining: {
        program: remainingOf(programOrderRow),
        pool: remainingOf(poolOrderRow),
        request: remainingOf(requestRow),
      },
      categories: ctx.market.categories,
    });
    if (!match.ok) throw new OrdersDoNotMatchError({ reasons: match.reasons });
    const pool = poolOrderRow.signed.order as PoolOrder;
    const facts = await tx.query<{ owner_id: string; worker_share_percent: number }>(
      'SELECT owner_id, worker_share_percent FROM pool WHERE pool_id = $1',
      [pool.pool],
    );
    const poolFacts = facts.rows[0];
    if (poolFacts === undefined)
      throw new OrdersDoNotMatchError({ reasons: [`pool ${pool.pool} no longer exists`] });
    const volume = match.volume;
    const perTask = match.programPrice + match.poolPrice;
    const poolStake = Math.floor((match.poolPrice * POOL_STAKE_PERCENT) / 100);
    const workerStake = Math.floor((match.poolPrice * WORKER_STAKE_PERCENT) / 100);
    const requester = await openOrganizationAccount(tx, organizationId, now);
    const poolOwner = await openOrganizationAccount(tx, poolFacts.owner_id, now);
    await openOrganizationAccount(tx, programOrderRow.organization_id, now);
    await lockAccounts(tx, [requester, poolOwner, SYSTEM.escrow, SYSTEM.stakes]);
    // One clear refusal for the whole deal, before any entry is written.
    const available = (await balanceOf(tx, requester)).available;
    if (available < perTask * volume)
      throw new InsufficientCreditsError({
        what: `The deal's escrow (${volume} task(s) at ${formatCredits(perTask)})`,
        needed: perTask * volume,
        available,
      });
    const poolAvailable = (await balanceOf(tx, poolOwner)).available;
    if (poolAvailable < poolStake * volume)
      throw new InsufficientCreditsError({
        what: `The pool manager's stake (${POOL_STAKE_PERCENT}% of its price per task)`,
        needed: poolStake * volume,
        available: poolAvailable,
      });
    const dealId = randomUUID();
    const deadlines = categoryDeadlines(match.category, now.getTime());
    const finalDeadline = auction?.finalDeadline ?? new Date(deadlines.finalDeadlineMs);
    await tx.query(
      `INSERT INTO deal (deal_id, request_hash, program_order_hash, pool_order_hash, program_id, pool_id, requester_id,
                         program_owner_id, pool_owner_id, category, trust, tag, program_price, pool_price, pool_stake,
                         worker_stake, worker_share_percent, volume, params, created_at, contribution_deadline, final_deadline,
                         auction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
      [
        dealId,
        requestHash,
        programRow,
        poolRow,
        request.program,
        pool.pool,
        organizationId,
        programOrderRow.organization_id,
        poolFacts.owner_id,
        match.category.name,
        match.trust,
        match.tag,
        match.programPrice,
        match.poolPrice,
        poolStake,
        workerStake,
        poolFacts.worker_share_percent,
        volume,
        request.params,
        now,
        new Date(deadlines.contributionDeadlineMs),
        finalDeadline,
        auction?.auctionId ?? null,
      ],
    );
    // An auction is locked by the deal it makes, in the deal's transaction: a crash between them cannot leave
    // an auction open whose request is already consumed.
    if (auction !== undefined) {
      const lockedAuction = await tx.query(
        `UPDATE auction SET state = 'locked', deal_id = $2, last_reason = NULL, updated_at = $3 WHERE auction_id = $1 AND state = 'open'`,
        [auction.auctionId, dealId, now],
      );
      if (lockedAuction.rowCount !== 1)
        throw new OrdersDoNotMatchError({ reasons: [`auction ${auction.auctionId} is no longer open`] });
    }
    await tx.query('UPDATE market_order SET consumed = consumed + $2 WHERE order_hash = ANY($1::text[])', [
      [requestHash, programRow, poolRow],
      volume,
    ]);
    const first = requestRow.consumed;
    const taskIds: string[] = [];
    for (let index = 0; index < volume; index++) {
      const taskId = randomUUID();
      taskIds.push(taskId);
      const values = parsed[first + index] ?? [];
      await tx.query(
        'INSERT INTO input_group (input_group_id, program_id, name, value_count, created_at) VALUES ($1, $2, $3, $4, $5)',
        [taskId, request.program, `deal-${dealId}-${first + index}`, values.length, now],
      );
      await insertValues(tx, taskId, values);
      await tx.query(
        `INSERT INTO task (task_id, program_id, runtime, state, attempt, replicas_wanted, memory_pages, fuel, created_at, updated_at,
                           deal_id, pool_id, deal_index, trust, audit, final_deadline)
         VALUES ($1, $2, $3, 'open', 1, 1, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12)`,
        [
          taskId,
          program.programId,
          program.runtime,
          program.limits.memoryPages,
          program.limits.fuel,
          now,
          dealId,
          pool.pool,
          first + index,
          match.trust,
          randomInt(100) < ctx.market.auditPercent,
          finalDeadline,
        ],
      );
      await tx.query(
        `INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
         VALUES ($1, $2, 1, 'created', NULL, 'open', $3, $4)`,
        [taskId, program.programId, `deal ${dealId}, task ${first + index + 1} of the request`, now],
      );
      const cause = { dealId, taskId, reason: `deal ${dealId}` };
      if (perTask > 0)
        await transfer(
          tx,
          {
            debit: requester,
            credit: SYSTEM.escrow,
            amount: perTask,
            code: 'escrow',
            pending: true,
            ...cause,
          },
          now,
        );
      if (poolStake > 0)
        await transfer(
          tx,
          {
            debit: poolOwner,
            credit: SYSTEM.stakes,
            amount: poolStake,
            code: 'pool_stake',
            pending: true,
            ...cause,
          },
          now,
        );
    }
    await assertAccountsSound(tx, [requester, poolOwner]);
    return {
      dealId,
      volume,
      programPrice: match.programPrice,
      poolPrice: match.poolPrice,
      taskIds,
      poolId: pool.pool,
      category: match.category.name,
      trust: match.trust,
      finalDeadline,
    };
  });
}

/** The cheapest live order of `kind` that may fit the request (the full rules are checked after locking). */
async function cheapest(
  tx: Queryable,
  kind: 'program' | 'pool',
  request: RequestOrder,
): Promise<string | undefined> {
  const found =
    kind === 'program'
      ? await tx.query<{ order_hash: string }>(
          `SELECT order_hash FROM market_order WHERE kind = 'program' AND program_id = $1 AND price <= $2
              AND cancelled_at IS NULL AND consumed < volume ORDER BY price, published_at LIMIT 1`,
          [request.program, request.program_max_price],
        )
      : await tx.query<{ order_hash: string }>(
          `SELECT order_hash FROM market_order WHERE kind = 'pool' AND category = $1 AND trust >= $2 AND price <= $3
              AND tag @> $4 AND ($5::uuid IS NULL OR pool_id = $5) AND cancelled_at IS NULL AND consumed < volume
            ORDER BY price, published_at LIMIT 1`,
          [
            request.category,
            request.trust,
            request.pool_max_price,
            request.tag,
            request.pool === '' ? null : request.pool,
          ],
        );
  return found.rows[0]?.order_hash;
}

/** Why no pool order fits a request, in terms of the nearest ones. */
async function whyNoPool(tx: Queryable, request: RequestOrder): Promise<string> {
  const live = await tx.query<{ category: string; trust: number; price: string; tag: string[] }>(
    `SELECT category, trust, price::text, tag FROM market_order WHERE kind = 'pool' AND cancelled_at IS NULL AND consumed < volume
      ORDER BY price LIMIT 50`,
  );
  if (live.rowCount === 0) return 'the orderbook holds no live pool order';
  const inCategory = live.rows.filter((row) => row.category === request.category);
  if (inCategory.length === 0) return `no live pool order is in category "${request.category}"`;
  const trusted = inCategory.filter((row) => row.trust >= request.trust);
  if (trusted.length === 0)
    return `no pool order in category "${request.category}" offers trust ${request.trust} (the most is ${Math.max(...inCategory.map((r) => r.trust))})`;
  const cheap = trusted.filter((row) => Number(row.price) <= request.pool_max_price);
  if (cheap.length === 0)
    return `the cheapest pool order that fits asks ${Math.min(...trusted.map((r) => Number(r.price)))} nano, above the request's maximum ${request.pool_max_price} nano`;
  return `no pool order has every tag of [${request.tag.join(', ')}]${request.pool === '' ? '' : ` or is pool ${request.pool}`}`;
}
