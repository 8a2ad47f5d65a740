import { COIN } from './constants.ts';

/**
 * The reward of block `n` (seed 003): 1000 − 999·√n/(√n + 10) coins, so 1000 for the genesis and falling
 * towards 1. In whole micro-coins, rounded down: the formula is computed in IEEE double, whose `sqrt` is
 * correctly rounded everywhere, so every node gets the same number.
 */
export function coinbase(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`a block index is a whole number ≥ 0, not ${n}`);
  const root = Math.sqrt(n);
  return Math.floor((1000 - (999 * root) / (root + 10)) * COIN);
}
