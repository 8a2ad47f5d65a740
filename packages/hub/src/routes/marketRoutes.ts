import { routes } from '@proofgrid/api';
import { CONTRIBUTION_DEADLINE_FACTOR, FINAL_DEADLINE_FACTOR } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { iso } from '../http/wire.ts';
import { createAuction, showAuction } from '../market/auctions.ts';
import { creditUnclaimedDeposits } from '../market/bridge/deposits.ts';
import { claimTask } from '../market/claims.ts';
import { marketTaskOutput, showDeal, showMarketTask } from '../market/dealViews.ts';
import { fillOrders } from '../market/fillOrders.ts';
import { balanceOf, checkLedger, SYSTEM } from '../market/ledger/ledger.ts';
import { showAccount, useFaucet } from '../market/marketAccount.ts';
import {
  cancelOrder,
  listOrderbook,
  type OrderRow,
  publishOrder,
  remainingOf,
  showOrder,
} from '../market/orders.ts';
import { createPool, joinPool, showPool } from '../market/pools.ts';
import { receiptWithProof } from '../market/receipts.ts';
import { linkWallet } from '../market/wallets.ts';
import { listWithdrawals, requestWithdrawal } from '../market/withdrawals.ts';

function orderView(row: OrderRow) {
  return {
    order_hash: row.order_hash,
    kind: row.kind,
    organization_id: row.organization_id,
    volume: row.volume,
    consumed: row.consumed,
    remaining: remainingOf(row),
    published_at: iso(row.published_at),
    cancelled_at: iso(row.cancelled_at),
    signed: row.signed,
  };
}

/** The market: accounts and their credits, pools, orders, deals, their tasks and receipts. */
export function marketRoutes(ctx: HubContext): RouteEntry[] {
  return [
    handle(routes.marketAccount, async ({ organizationId }) => {
      const view = await showAccount(ctx, organizationId);
      return {
        organization_id: view.organizationId,
        wallet: view.wallet,
        deposit_address: view.depositAddress,
        faucet: view.faucet,
        balance: view.balance,
      };
    }),
    handle(routes.linkWallet, async ({ organizationId, body }) => {
      await linkWallet(ctx, { organizationId, address: body.address, signature: body.signature });
      return { address: body.address, credited_deposits: await creditUnclaimedDeposits(ctx, organizationId) };
    }),
    handle(routes.useFaucet, async ({ organizationId, body }) => ({
      balance: await useFaucet(ctx, { organizationId, amount: body.amount }),
    })),
    handle(routes.withdraw, async ({ organizationId, body }) => {
      const made = await requestWithdrawal(ctx, { organizationId, amount: body.amount });
      return {
        withdrawal_id: made.withdrawalId,
        address: made.address,
        amount_micro: made.amountMicro,
        fee_micro: made.feeMicro,
        state: made.state,
      };
    }),
    handle(routes.listWithdrawals, async ({ organizationId }) => listWithdrawals(ctx, organizationId)),
    handle(routes.listCategories, async () =>
      ctx.market.categories.map((category) => ({
        name: category.name,
        reference_seconds: category.referenceSeconds,
        contribution_deadline_seconds: category.referenceSeconds * CONTRIBUTION_DEADLINE_FACTOR,
        final_deadline_seconds: category.referenceSeconds * FINAL_DEADLINE_FACTOR,
      })),
    ),
    handle(routes.createPool, async ({ organizationId, body }) => {
      const { poolId } = await createPool(ctx, {
        organizationId,
        name: body.name,
        description: body.description,
        workerSharePercent: body.worker_share_percent,
      });
      return { pool_id: poolId };
    }),
    handle(routes.showPool, async ({ params }) => {
      const pool = await showPool(ctx, params.pool_id);
      return {
        pool_id: pool.poolId,
        owner_id: pool.ownerId,
        name: pool.name,
        description: pool.description,
        worker_share_percent: pool.workerSharePercent,
        created_at: iso(pool.createdAt),
        workers: pool.workers.map((worker) => ({
          worker_id: worker.workerId,
          name: worker.name,
          organization_id: worker.organizationId,
          joined_at: iso(worker.joinedAt),
          last_seen_at: iso(worker.lastSeenAt),
        })),
      };
    }),
    handle(routes.joinPool, async ({ worker, params }) => {
      await joinPool(ctx, { worker, poolId: params.pool_id });
      return null;
    }),
    handle(routes.publishOrder, async ({ organizationId, body }) => ({
      order_hash: await publishOrder(ctx, { organizationId, signed: body }),
    })),
    handle(routes.showOrder, async ({ params }) => orderView(await showOrder(ctx, params.order_hash))),
    handle(routes.cancelOrder, async ({ organizationId, params }) => {
      await cancelOrder(ctx, { organizationId, hash: params.order_hash });
      return null;
    }),
    handle(routes.showOrderbook, async ({ query }) =>
      (
        await listOrderbook(ctx, {
          kind: query.kind ?? 'pool',
          category: query.category,
          tag: query.tag,
          minTrust: query.min_trust,
          program: query.program,
          pool: query.pool,
          limit: query.limit,
        })
      ).map(orderView),
    ),
    handle(routes.fillOrders, async ({ organizationId, body }) => {
      const deal = await fillOrders(ctx, {
        organizationId,
        request: body.request,
        programOrder: body.program_order,
        poolOrder: body.pool_order,
        inputs: body.inputs,
      });
      return {
        deal_id: deal.dealId,
        volume: deal.volume,
        program_price: deal.programPrice,
        pool_price: deal.poolPrice,
        pool_id: deal.poolId,
        category: deal.category,
        trust: deal.trust,
        final_deadline: iso(deal.finalDeadline),
        task_ids: deal.taskIds,
      };
    }),
    handle(routes.showDeal, async ({ organizationId, params }) =>
      showDeal(ctx, { organizationId, dealId: params.deal_id }),
    ),
    handle(routes.showMarketTask, async ({ organizationId, params }) =>
      showMarketTask(ctx, { organizationId, taskId: params.task_id }),
    ),
    handle(routes.marketTaskOutput, async ({ organizationId, params }) => ({
      bytes: await marketTaskOutput(ctx, { organizationId, taskId: params.task_id }),
      fileName: `${params.task_id}.out`,
    })),
    handle(routes.claimTask, async ({ organizationId, params }) => {
      await claimTask(ctx, { organizationId, taskId: params.task_id });
      return null;
    }),
    handle(routes.createAuction, async ({ organizationId, body }) => {
      const { auctionId } = await createAuction(ctx, {
        organizationId,
        request: body.request,
        inputs: body.inputs,
        minPrice: body.min_price,
        rampSeconds: body.ramp_seconds,
        lockTimeoutSeconds: body.lock_timeout_seconds,
      });
      return { auction_id: auctionId };
    }),
    handle(routes.showAuction, async ({ organizationId, params }) =>
      showAuction(ctx, { organizationId, auctionId: params.auction_id }),
    ),
    handle(routes.showReceipt, async ({ params }) => receiptWithProof(ctx, params.seq)),
    handle(routes.checkLedger, async () => {
      const check = await checkLedger(ctx.store);
      const count = await ctx.store.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_transfer');
      const system: Record<string, number> = {};
      for (const account of Object.values(SYSTEM))
        system[account] = (await balanceOf(ctx.store, account)).posted;
      return {
        posted_sum: check.postedSum,
        negative: check.negative,
        bad_resolutions: check.badResolutions,
        mismatched: check.mismatched,
        transfers: Number(count.rows[0]?.n ?? 0),
        system,
      };
    }),
    handle(routes.marketStatus, async () => {
      const anchor = await ctx.store.query(
        'SELECT anchor_id::int, first_seq::int, last_seq::int, root, chain_tx, chain_height, created_at FROM receipt_anchor ORDER BY anchor_id DESC LIMIT 1',
      );
      const receipts = await ctx.store.query<{ last_seq: string }>(
        'SELECT last_seq::text FROM receipt_counter',
      );
      return {
        hub_key: Buffer.from(ctx.secrets.hubKey.publicKey).toString('hex'),
        chain: ctx.market.chain,
        faucet: ctx.market.chain === null,
        audit_percent: ctx.market.auditPercent,
        receipts: Number(receipts.rows[0]?.last_seq ?? 0),
        latest_anchor: anchor.rows[0] ?? null,
      };
    }),
  ];
}
