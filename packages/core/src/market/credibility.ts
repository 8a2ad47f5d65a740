import { assert } from '../assert.ts';

/** The most a worker weighs: past this a long record buys nothing more (a liar of weight 10 still loses to trust 11). */
export const WEIGHT_MAX = 10;

/**
 * A worker's weight in a vote (iExec after Sarmenta): max(⌊score / 3⌋, 3) − 1, so a new worker weighs 2
 * and one with a long clean record weighs more, up to {@link WEIGHT_MAX}. Its score is its valid results
 * since its last invalid one.
 */
export function workerWeight(score: number): number {
  assert(Number.isInteger(score) && score >= 0, 'a score is a count');
  return Math.min(WEIGHT_MAX, Math.max(Math.floor(score / 3), 3) - 1);
}

export type WeightedResult = { workerId: string; resultHash: string; weight: number };

export type CredibilityVerdict =
  | { decision: 'accept'; resultHash: string; agreeing: string[]; disagreeing: string[] }
  | { decision: 'wait' }
  | { decision: 'add_replica' }
  | { decision: 'fail'; reason: string };

/**
 * Credibility-weighted consensus. A result group weighs the product of its members' weights; the total
 * starts at 1 and adds every group. A group wins when `group · trust > total · (trust − 1)`: at trust 1
 * the first result wins; at trust 5 a new worker (weight 2) needs two others agreeing, and a worker of
 * weight 9 (a score of 30) wins alone. Results still running are waited for; with none running and no
 * winner, another replica is asked for, up to `replicasMax`.
 *
 * @example
 * decideByCredibility({ trust: 5, replicasMax: 8, inFlight: 0, results: [{ workerId: 'a', resultHash: 'x', weight: 9 }] });
 * // → { decision: 'accept', resultHash: 'x', agreeing: ['a'], disagreeing: [] }
 */
export function decideByCredibility({
  trust,
  replicasMax,
  results,
  inFlight,
}: {
  trust: number;
  replicasMax: number;
  results: readonly WeightedResult[];
  inFlight: number;
}): CredibilityVerdict {
  assert(Number.isInteger(trust) && trust >= 1, 'trust is a whole number from 1');
  assert(new Set(results.map((result) => result.workerId)).size === results.length, 'one result per worker');
  const groups = new Map<string, number>();
  for (const { resultHash, weight } of results) {
    assert(weight >= 1, 'a weight is at least 1');
    groups.set(resultHash, (groups.get(resultHash) ?? 1) * weight);
  }
  const total = 1 + [...groups.values()].reduce((sum, weight) => sum + weight, 0);
  for (const [resultHash, weight] of groups) {
    if (weight * trust > total * (trust - 1))
      return {
        decision: 'accept',
        resultHash,
        agreeing: results
          .filter((result) => result.resultHash === resultHash)
          .map((result) => result.workerId),
        disagreeing: results
          .filter((result) => result.resultHash !== resultHash)
          .map((result) => result.workerId),
      };
  }
  if (inFlight > 0) return { decision: 'wait' };
  if (results.length + inFlight < replicasMax) return { decision: 'add_replica' };
  return {
    decision: 'fail',
    reason: `${results.length} results reached no credibility consensus at trust ${trust} within ${replicasMax} replicas`,
  };
}
