import { assert } from '../assert.ts';

export type RewardSplit = {
  /** Nano-credits to each winning worker, in the order given. */
  workers: number[];
  /** What the pool's manager keeps: its share of the price and every rounding remainder. */
  pool: number;
};

/**
 * Splits a task's pool price among the winners and the pool (PoCo's finalize): the workers' pot is
 * `workerSharePercent` of the price plus every stake seized from losers; each winner takes a part in
 * proportion to log2 of its weight; the pool keeps the rest of the price and the rounding remainders.
 * Integers throughout, and the parts add up to the price plus the seized stakes exactly.
 */
export function splitReward({
  poolPrice,
  workerSharePercent,
  seized,
  winnerWeights,
}: {
  poolPrice: number;
  workerSharePercent: number;
  seized: number;
  winnerWeights: readonly number[];
}): RewardSplit {
  assert(Number.isSafeInteger(poolPrice) && poolPrice >= 0, 'a price is whole nano-credits');
  assert(Number.isSafeInteger(seized) && seized >= 0, 'seized stakes are whole nano-credits');
  assert(workerSharePercent >= 0 && workerSharePercent <= 100, 'a share is a percentage');
  if (winnerWeights.length === 0) return { workers: [], pool: poolPrice + seized };
  const pot = Math.floor((poolPrice * workerSharePercent) / 100) + seized;
  // log2 in thousandths, as integers, so the split is the same on every machine.
  const shares = winnerWeights.map((weight) => Math.max(1, Math.round(Math.log2(weight) * 1000)));
  const sum = shares.reduce((a, b) => a + b, 0);
  const workers = shares.map((share) => Math.floor((pot * share) / sum));
  const paid = workers.reduce((a, b) => a + b, 0);
  return { workers, pool: poolPrice + seized - paid };
}
