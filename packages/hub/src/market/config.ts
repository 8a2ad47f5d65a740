import { type Category, DEFAULT_CATEGORIES, NANO_PER_CREDIT } from '@proofgrid/core';

/** How this hub's market runs: its categories, its chain (or none: a faucet), its audit rate. */
export type MarketConfig = {
  categories: readonly Category[];
  /** The node the bridge reads deposits from and sends withdrawals and anchors to; null on a chainless hub. */
  chain: { url: string; confirmations: number } | null;
  /** Percentage of deal tasks a lone trusted result is audited by a second replica (BOINC's adaptive replication). */
  auditPercent: number;
  /** How often receipts are gathered into an anchored Merkle root. */
  anchorIntervalMs: number;
};

export const DEFAULT_MARKET_CONFIG: MarketConfig = {
  categories: DEFAULT_CATEGORIES,
  chain: null,
  auditPercent: 5,
  anchorIntervalMs: 10_000,
};

/** The pool's manager stakes this share of its price per task when a deal is made (PoCo's 30 %). */
export const POOL_STAKE_PERCENT = 30;
/** A worker stakes this share of the pool's price on each task of a deal it takes. */
export const WORKER_STAKE_PERCENT = 30;
/** Replicas a deal task may take before, without consensus, it fails and its requester is refunded. */
export const DEAL_REPLICAS_MAX = 8;
/** The faucet of a chainless hub gives at most this per call (its credits exist only on this hub). */
export const FAUCET_NANO_MAX = 1_000 * NANO_PER_CREDIT;
/** Receipts one anchor covers at most (a proof is then at most 12 steps). */
export const ANCHOR_RECEIPTS_MAX = 4_096;
/** Orders one orderbook page shows at most. */
export const ORDERBOOK_PAGE_MAX = 100;
/** Claims and deadline checks one sweep makes at most. */
export const CLAIM_SWEEP_BATCH_MAX = 100;
/** The fee of a receipt anchor's commitment transaction (the chain's minimum), paid by the hub's address. */
export const MINIMUM_ANCHOR_FEE_MICRO = 1_000;
/** A gap this long between deadline sweeps (run every second) is hub downtime, added to deal deadlines. */
export const DOWNTIME_MS_MIN = 10_000;
/** Auctions tried, and expired auction tasks reopened, per sweep at most. */
export const AUCTION_SWEEP_BATCH_MAX = 20;
/** Auctions one account may have open at once (each is tried every second). */
export const AUCTIONS_OPEN_PER_ACCOUNT_MAX = 16;
