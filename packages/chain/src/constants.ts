/**
 * Seed 003's protocol constants (simulation/constants.py of the Proof-of-Training prototype). The
 * simulator and the tests take them as defaults; a network may set its own in its genesis.
 */
export const POT_DEFAULTS = {
  /** Nodes (the seed's "employees"). */
  nodes: 11,
  /** Signers per block, the last of whom wraps it. */
  stakeholders: 3,
  /** Training declarations a block header must carry. */
  employerConfidence: 3,
  targetLength: 6,
  /** Lottery stakes: a hash wins with at least 256 − log2(coinstake) leading zero bits. */
  tdCoinstake: 2n ** 252n,
  bhCoinstake: 2n ** 251n,
} as const;

/** Declarations a header may carry: enough for any quorum, too few to make judging it costly. */
export const DECLARATIONS_MAX = 64;
/** Transfers a block may carry: each costs its judges a signature check. */
export const TRANSACTIONS_PER_BLOCK_MAX = 1000;
/** Stakeholder signatures a block may carry (a network draws far fewer signers). */
export const STAKEHOLDER_SIGNATURES_MAX = 256;

/** Amounts are whole micro-coins: one coin is this many units (canonical encodings take integers only). */
export const COIN = 1_000_000;

/**
 * What a key must hold (micro-coins, in the parent state) for its declaration or header to count —
 * ProofGrid's, the seed has none: with a constant lottery stake, free keys would make a quorum.
 */
export const MINIMUM_STAKE = COIN;

/** A job's spec (JSON text), at most: a few layers' description. */
export const JOB_SPEC_CHARS_MAX = 4096;
/** Stages one job may ask for. */
export const JOB_STAGES_MAX = 10_000;
/** Jobs waiting their turn, at most: wrappers leave a submission beyond in the pool. */
export const JOB_QUEUE_MAX = 1000;
/**
 * The fee a commitment or a job submission pays at least (micro-coins): they move no coins to anyone, so
 * without it a key holding nothing could write to the chain for free.
 */
export const MINIMUM_FEE = 1000;
/** A job's reward per stage, at least (micro-coins): a queue of junk jobs costs its submitters. */
export const JOB_REWARD_PER_STAGE_MIN = 1000;
/**
 * A block's canonical JSON, at most: under the gossip's message limit (1 MiB), with room for the envelope.
 * Wrappers fill blocks up to it; a block above it is refused.
 */
export const BLOCK_BYTES_MAX = 768 * 1024;
/** Transactions one sender may have pending in a node's pool. */
export const PENDING_PER_SENDER_MAX = 64;
