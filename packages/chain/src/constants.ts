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
/** Jobs waiting their turn, at most: a submission beyond is refused. */
export const JOB_QUEUE_MAX = 1000;
