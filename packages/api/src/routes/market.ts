import { AMOUNT_NANO_MAX, DESCRIPTION_LENGTH_MAX, NAME_LENGTH_MAX, ORDER_TAGS_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { Id } from '../schemas/common.ts';

/**
 * The market of seed 001 (iExec's PoCo on a hub): credits in a double-entry ledger, wallets, workerpools,
 * signed orders, the orderbook, deals, their tasks' payments and the hub's signed receipts.
 */

const Nano = Type.Integer({ minimum: 0, description: 'nano-credits (10^-9 credit)' });
const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const SignedOrder = Type.Object(
  { order: Type.Object({}, { additionalProperties: true }), signature: Type.String({ maxLength: 128 }) },
  {
    description:
      "An order and its maker's Ed25519 signature (see core's `signOrder`); checked in full by the hub.",
  },
);
const Balance = Type.Object({
  posted: Type.Integer(),
  available: Type.Integer(),
  locked: Nano,
  stake: Nano,
  withdrawing: Nano,
  incoming: Nano,
});
const OrderView = Type.Object({
  order_hash: Hex64,
  kind: Type.String(),
  organization_id: Id,
  volume: Type.Integer(),
  consumed: Type.Integer(),
  remaining: Type.Integer(),
  published_at: Type.String(),
  cancelled_at: Type.Union([Type.String(), Type.Null()]),
  signed: Type.Unknown(),
});

export const marketAccount = defineRoute({
  id: 'marketAccount',
  method: 'GET',
  path: '/market/account',
  auth: 'organization',
  tags: ['market'],
  summary:
    "Your credits (available, locked in escrow, staked, being withdrawn), your wallet and the hub's deposit address",
  reply: {
    kind: 'json',
    data: Type.Object({
      organization_id: Id,
      wallet: Type.Union([Hex64, Type.Null()]),
      deposit_address: Type.Union([Hex64, Type.Null()]),
      faucet: Type.Boolean(),
      balance: Balance,
    }),
  },
});

export const linkWallet = defineRoute({
  id: 'linkWallet',
  method: 'POST',
  path: '/market/wallet',
  auth: 'organization',
  tags: ['market'],
  summary: 'Link your chain wallet: it signs your orders, your deposits come from it, withdrawals go to it',
  body: Type.Object({
    address: Hex64,
    signature: Type.String({
      pattern: '^[0-9a-f]{128}$',
      description: "the wallet's signature of {organization_id, address} in proofgrid.market.link.v1",
    }),
  }),
  reply: { kind: 'json', data: Type.Object({ address: Hex64, credited_deposits: Type.Integer() }) },
});

export const useFaucet = defineRoute({
  id: 'useFaucet',
  method: 'POST',
  path: '/market/faucet',
  auth: 'organization',
  tags: ['market'],
  summary: 'Local test credits, only on a hub without a chain',
  body: Type.Object({ amount: Type.Integer({ minimum: 1, maximum: AMOUNT_NANO_MAX }) }),
  reply: { kind: 'json', data: Type.Object({ balance: Balance }) },
});

export const withdraw = defineRoute({
  id: 'withdraw',
  method: 'POST',
  path: '/market/withdraw',
  auth: 'organization',
  tags: ['market'],
  summary:
    'Send credits back to your wallet as a chain transfer (the amount and the chain fee are locked until it confirms)',
  body: Type.Object({
    amount: Type.Integer({ minimum: 1_000, maximum: AMOUNT_NANO_MAX, multipleOf: 1_000 }),
  }),
  reply: {
    kind: 'json',
    data: Type.Object({
      withdrawal_id: Id,
      address: Hex64,
      amount_micro: Type.Integer(),
      fee_micro: Type.Integer(),
      state: Type.String(),
    }),
  },
});

export const listWithdrawals = defineRoute({
  id: 'listWithdrawals',
  method: 'GET',
  path: '/market/withdrawals',
  auth: 'organization',
  tags: ['market'],
  summary: 'Your withdrawals, newest first, with their chain transactions and states',
  reply: { kind: 'json', data: Type.Array(Type.Unknown()) },
});

export const listCategories = defineRoute({
  id: 'listCategories',
  method: 'GET',
  path: '/market/categories',
  auth: 'none',
  tags: ['market'],
  summary: "The categories: each one's time reference and deadlines",
  reply: {
    kind: 'json',
    data: Type.Array(
      Type.Object({
        name: Type.String(),
        reference_seconds: Type.Integer(),
        contribution_deadline_seconds: Type.Integer(),
        final_deadline_seconds: Type.Integer(),
      }),
    ),
  },
});

export const createPool = defineRoute({
  id: 'createPool',
  method: 'POST',
  path: '/market/pools',
  auth: 'organization',
  tags: ['market'],
  summary: 'Create a workerpool you manage',
  body: Type.Object({
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
    description: Type.String({ maxLength: DESCRIPTION_LENGTH_MAX }),
    worker_share_percent: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: "the workers' share of the pool's price",
    }),
  }),
  reply: { kind: 'json', data: Type.Object({ pool_id: Id }) },
});

export const showPool = defineRoute({
  id: 'showPool',
  method: 'GET',
  path: '/market/pools/:pool_id',
  auth: 'none',
  tags: ['market'],
  summary: 'A workerpool, its manager and its workers',
  params: Type.Object({ pool_id: Id }),
  reply: { kind: 'json', data: Type.Unknown() },
});

export const joinPool = defineRoute({
  id: 'joinPool',
  method: 'POST',
  path: '/market/pools/:pool_id/join',
  auth: 'worker',
  tags: ['market'],
  summary: "Join a workerpool: the hub then leases this worker the pool's deal tasks",
  params: Type.Object({ pool_id: Id }),
  reply: { kind: 'json', data: Type.Null() },
});

export const publishOrder = defineRoute({
  id: 'publishOrder',
  method: 'POST',
  path: '/market/orders',
  auth: 'organization',
  tags: ['market'],
  summary: 'Publish a signed program, pool or request order',
  body: SignedOrder,
  reply: { kind: 'json', data: Type.Object({ order_hash: Hex64 }) },
});

export const showOrder = defineRoute({
  id: 'showOrder',
  method: 'GET',
  path: '/market/orders/:order_hash',
  auth: 'none',
  tags: ['market'],
  summary: 'One order: what it says, who signed it, what is left of it',
  params: Type.Object({ order_hash: Type.String({ maxLength: 64 }) }),
  reply: { kind: 'json', data: OrderView },
});

export const cancelOrder = defineRoute({
  id: 'cancelOrder',
  method: 'POST',
  path: '/market/orders/:order_hash/cancel',
  auth: 'organization',
  tags: ['market'],
  summary: 'Cancel one of your orders (deals already made stand)',
  params: Type.Object({ order_hash: Type.String({ maxLength: 64 }) }),
  reply: { kind: 'json', data: Type.Null() },
});

export const showOrderbook = defineRoute({
  id: 'showOrderbook',
  method: 'GET',
  path: '/market/orderbook',
  auth: 'none',
  tags: ['market'],
  summary: 'Live orders of one kind, cheapest first, then oldest',
  query: Type.Object({
    kind: Type.Optional(Type.Union([Type.Literal('pool'), Type.Literal('program'), Type.Literal('request')])),
    category: Type.Optional(Type.String({ maxLength: 16 })),
    tag: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: ORDER_TAGS_MAX })),
    min_trust: Type.Optional(Type.Integer({ minimum: 1 })),
    program: Type.Optional(Id),
    pool: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  }),
  reply: { kind: 'json', data: Type.Array(OrderView) },
});

export const fillOrders = defineRoute({
  id: 'fillOrders',
  method: 'POST',
  path: '/market/fill',
  auth: 'organization',
  tags: ['market'],
  summary:
    'Fill your request with a program order and a pool order (named, or the cheapest that fit): a deal',
  description:
    'The request carries its inputs (one file per task, base64; their hash is in the signed request). A refusal lists every rule that did not fit.',
  body: Type.Object({
    request: SignedOrder,
    program_order: Type.Optional(Hex64),
    pool_order: Type.Optional(Hex64),
    inputs: Type.Array(Type.String(), { maxItems: 256 }),
  }),
  bodySizeBytesMax: 16 * 1024 * 1024,
  reply: {
    kind: 'json',
    data: Type.Object({
      deal_id: Id,
      volume: Type.Integer(),
      program_price: Nano,
      pool_price: Nano,
      pool_id: Id,
      category: Type.String(),
      trust: Type.Integer(),
      final_deadline: Type.String(),
      task_ids: Type.Array(Id),
    }),
  },
});

export const showDeal = defineRoute({
  id: 'showDeal',
  method: 'GET',
  path: '/market/deals/:deal_id',
  auth: 'organization',
  tags: ['market'],
  summary: 'A deal you are party to, and its tasks',
  params: Type.Object({ deal_id: Id }),
  reply: { kind: 'json', data: Type.Unknown() },
});

export const showMarketTask = defineRoute({
  id: 'showMarketTask',
  method: 'GET',
  path: '/market/tasks/:task_id',
  auth: 'organization',
  tags: ['market'],
  summary:
    'A deal task: its replicas and judgements, every payment and seizure with why, its receipts, why it waits',
  params: Type.Object({ task_id: Id }),
  reply: { kind: 'json', data: Type.Unknown() },
});

export const marketTaskOutput = defineRoute({
  id: 'marketTaskOutput',
  method: 'GET',
  path: '/market/tasks/:task_id/output',
  auth: 'organization',
  tags: ['market'],
  summary: "A verified deal task's output, for its requester",
  params: Type.Object({ task_id: Id }),
  reply: { kind: 'file', contentType: 'application/octet-stream', description: 'the accepted output' },
});

export const claimTask = defineRoute({
  id: 'claimTask',
  method: 'POST',
  path: '/market/tasks/:task_id/claim',
  auth: 'organization',
  tags: ['market'],
  summary: "Claim a deal task past its final deadline: refund in full, the pool's stake seized",
  params: Type.Object({ task_id: Id }),
  reply: { kind: 'json', data: Type.Null() },
});

export const showReceipt = defineRoute({
  id: 'showReceipt',
  method: 'GET',
  path: '/market/receipts/:seq',
  auth: 'none',
  tags: ['market'],
  summary:
    'A signed receipt, its Merkle path and the anchor (root and chain transaction) it is checked against',
  params: Type.Object({ seq: Type.Integer({ minimum: 1 }) }),
  reply: { kind: 'json', data: Type.Unknown() },
});

export const marketStatus = defineRoute({
  id: 'marketStatus',
  method: 'GET',
  path: '/market/status',
  auth: 'none',
  tags: ['market'],
  summary: "The hub's market: its key and deposit address, its chain, the latest anchor, the ledger's totals",
  reply: { kind: 'json', data: Type.Unknown() },
});

export const checkLedger = defineRoute({
  id: 'checkLedger',
  method: 'GET',
  path: '/market/ledger',
  auth: 'organization',
  tags: ['market'],
  summary:
    "The ledger's invariants checked now: money conserved (posted balances sum to 0), no balance below zero, each pending transfer resolved at most once",
  description: 'It sums every account: an audit for operators and tests, not a call for every request.',
  reply: {
    kind: 'json',
    data: Type.Object({
      posted_sum: Type.Integer(),
      negative: Type.Array(Type.Object({ account: Type.String(), available: Type.Integer() })),
      bad_resolutions: Type.Integer(),
      mismatched: Type.Array(Type.String(), {
        description: 'accounts whose recorded balance differs from their transfers',
      }),
      transfers: Type.Integer(),
      system: Type.Record(Type.String(), Type.Integer()),
    }),
  },
});

export const createAuction = defineRoute({
  id: 'createAuction',
  method: 'POST',
  path: '/market/auctions',
  auth: 'organization',
  tags: ['market'],
  summary:
    "Run your request as a reverse-Dutch auction: its pool price rises from min_price to the request's maximum until a pool's order is reached",
  description:
    "The deal it makes must be delivered within lock_timeout_seconds, or the locking pool's stake is seized and the tasks are opened to every pool, the stake rewarding whoever delivers.",
  body: Type.Object({
    request: SignedOrder,
    inputs: Type.Array(Type.String(), { maxItems: 256 }),
    min_price: Type.Integer({ minimum: 0, maximum: AMOUNT_NANO_MAX }),
    ramp_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    lock_timeout_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  }),
  bodySizeBytesMax: 16 * 1024 * 1024,
  reply: { kind: 'json', data: Type.Object({ auction_id: Hex64 }) },
});

export const showAuction = defineRoute({
  id: 'showAuction',
  method: 'GET',
  path: '/market/auctions/:auction_id',
  auth: 'organization',
  tags: ['market'],
  summary: 'Your auction: its price now, its deal once a pool locked it, and why it is not locked yet',
  params: Type.Object({ auction_id: Type.String({ maxLength: 64 }) }),
  reply: { kind: 'json', data: Type.Unknown() },
});
