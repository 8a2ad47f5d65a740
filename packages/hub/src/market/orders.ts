import { isUuid, type Order, orderHash, parseSignedOrder, type SignedOrder } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { ProgramNotFoundError } from '../errors.ts';
import type { Queryable } from '../store/Store.ts';
import { ORDERBOOK_PAGE_MAX } from './config.ts';
import { InvalidOrderMarketError, OrderNotFoundError, PoolNotFoundError } from './errors.ts';
import { requireSigner } from './wallets.ts';

export type OrderRow = {
  order_hash: string;
  kind: Order['kind'];
  organization_id: string;
  signed: SignedOrder;
  volume: number;
  consumed: number;
  published_at: Date;
  cancelled_at: Date | null;
};

/** What is left of an order: its volume less what deals took, 0 once cancelled. */
export function remainingOf(row: Pick<OrderRow, 'volume' | 'consumed' | 'cancelled_at'>): number {
  return row.cancelled_at === null ? row.volume - row.consumed : 0;
}

/**
 * Checks an order against what it names: a program order's program is the maker's and can be sold (wasm or
 * noir), a pool order's pool is the maker's and its category exists, a request is the maker's own.
 */
async function checkMaker(
  ctx: HubContext,
  db: Queryable,
  organizationId: string,
  signed: SignedOrder,
): Promise<void> {
  const { order } = signed;
  await requireSigner(db, organizationId, order.signer);
  if (order.kind === 'program') {
    const program = await ctx.programs.get(order.program);
    if (program === undefined || program.organizationId !== organizationId)
      throw new ProgramNotFoundError({ programId: order.program });
    if (program.runtime !== 'wasm' && program.runtime !== 'noir')
      throw new InvalidOrderMarketError({
        reason: `program ${order.program} is a ${program.runtime} program, whose results its owner judges; only wasm and noir programs, checked by replicas or proofs, can be sold`,
      });
  } else if (order.kind === 'pool') {
    const pool = await db.query('SELECT 1 FROM pool WHERE pool_id = $1 AND owner_id = $2', [
      order.pool,
      organizationId,
    ]);
    if (pool.rowCount === 0)
      throw new PoolNotFoundError({ poolId: order.pool, why: 'is managed by your account' });
    if (!ctx.market.categories.some((category) => category.name === order.category))
      throw new InvalidOrderMarketError({
        reason: `category "${order.category}" does not exist here (there are ${ctx.market.categories.map((c) => c.name).join(', ')})`,
      });
  } else {
    if (order.requester !== organizationId)
      throw new InvalidOrderMarketError({
        reason: `its requester ${order.requester} is not your account ${organizationId}`,
      });
    const program = await ctx.programs.get(order.program);
    if (program === undefined) throw new ProgramNotFoundError({ programId: order.program });
  }
}

/** Stores an order (idempotent: publishing the same signed order twice is one order). */
export async function insertOrder(
  db: Queryable,
  organizationId: string,
  signed: SignedOrder,
  now: Date,
): Promise<string> {
  const { order } = signed;
  const hash = orderHash(order);
  await db.query(
    `INSERT INTO market_order (order_hash, kind, organization_id, program_id, pool_id, category, trust, price, tag, volume, signed, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (order_hash) DO NOTHING`,
    [
      hash,
      order.kind,
      organizationId,
      order.kind === 'pool' ? null : order.program,
      order.kind === 'pool' ? order.pool : order.kind === 'request' && order.pool !== '' ? order.pool : null,
      order.kind === 'program' ? null : order.category,
      order.kind === 'program' ? null : order.trust,
      order.kind === 'request' ? order.pool_max_price : order.price,
      order.tag,
      order.volume,
      JSON.stringify(signed),
      now,
    ],
  );
  return hash;
}

/** Publishes a signed program, pool or request order to the orderbook. */
export async function publishOrder(
  ctx: HubContext,
  { organizationId, signed }: { organizationId: string; signed: unknown },
): Promise<string> {
  const parsed = parseSignedOrder(signed);
  await checkMaker(ctx, ctx.store, organizationId, parsed);
  return insertOrder(ctx.store, organizationId, parsed, new Date(ctx.clock.nowMs()));
}

export { checkMaker };

/** Cancels one of the account's own orders: what deals already took stays taken. */
export async function cancelOrder(
  ctx: HubContext,
  { organizationId, hash }: { organizationId: string; hash: string },
): Promise<void> {
  const cancelled = await ctx.store.query(
    'UPDATE market_order SET cancelled_at = $3 WHERE order_hash = $1 AND organization_id = $2 AND cancelled_at IS NULL',
    [hash, organizationId, new Date(ctx.clock.nowMs())],
  );
  if (cancelled.rowCount === 0) {
    const found = await showOrder(ctx, hash);
    if (found.organization_id !== organizationId)
      throw new OrderNotFoundError({ orderHash: hash, why: 'of yours exists' });
    // Already cancelled: cancelling is idempotent.
  }
}

export async function showOrder(ctx: Pick<HubContext, 'store'>, hash: string): Promise<OrderRow> {
  const found = await ctx.store.query<OrderRow>(
    'SELECT order_hash, kind, organization_id, signed, volume, consumed, published_at, cancelled_at FROM market_order WHERE order_hash = $1',
    [hash],
  );
  const row = found.rows[0];
  if (row === undefined) throw new OrderNotFoundError({ orderHash: hash });
  return row;
}

export type OrderbookQuery = {
  kind: Order['kind'];
  category?: string | undefined;
  tag?: string[] | undefined;
  minTrust?: number | undefined;
  program?: string | undefined;
  pool?: string | undefined;
  limit?: number | undefined;
};

/** Live orders (not cancelled, volume left), cheapest first, then oldest (seed 001's `orderbook show`). */
export async function listOrderbook(
  ctx: Pick<HubContext, 'store'>,
  query: OrderbookQuery,
): Promise<OrderRow[]> {
  // A malformed id names no program or pool: nothing matches it (as an unknown id is simply not found).
  if (
    (query.program !== undefined && !isUuid(query.program)) ||
    (query.pool !== undefined && !isUuid(query.pool))
  )
    return [];
  const found = await ctx.store.query<OrderRow>(
    `SELECT order_hash, kind, organization_id, signed, volume, consumed, published_at, cancelled_at FROM market_order
      WHERE kind = $1 AND cancelled_at IS NULL AND consumed < volume
        AND ($2::text IS NULL OR category = $2) AND ($3::text[] IS NULL OR tag @> $3)
        AND ($4::int IS NULL OR trust >= $4) AND ($5::uuid IS NULL OR program_id = $5) AND ($6::uuid IS NULL OR pool_id = $6)
      ORDER BY price, published_at, order_hash LIMIT $7`,
    [
      query.kind,
      query.category ?? null,
      query.tag ?? null,
      query.minTrust ?? null,
      query.program ?? null,
      query.pool ?? null,
      Math.min(query.limit ?? ORDERBOOK_PAGE_MAX, ORDERBOOK_PAGE_MAX),
    ],
  );
  return found.rows;
}
