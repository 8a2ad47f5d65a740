import { assert } from '../assert.ts';
import type { VerificationPolicy } from '../manifest/parseManifest.ts';

/** One finished replica of a task: who ran it and the hash of what it produced. */
export type ReplicaResult = { workerId: string; resultHash: string };

export type ReplicaVerdict =
  /** A result is accepted: `agreeing` produced it, `disagreeing` produced something else. */
  | { decision: 'accept'; resultHash: string; agreeing: string[]; disagreeing: string[] }
  /** Replicas still running could still make a quorum: wait for them. */
  | { decision: 'wait' }
  /** Every replica is in and none has a quorum, but the policy allows more: lease another. */
  | { decision: 'add_replica' }
  /** No result can reach a quorum within the policy's replicas: the task fails, for this reason. */
  | { decision: 'fail'; reason: string };

/**
 * Decides a task from its replicas' results (BOINC-style quorum). Under `replicate`, a result is accepted
 * when at least a strict majority of the configured replicas (`floor(replicas / 2) + 1`) produced the
 * same hash; disagreement adds replicas up to `replicas_max`, after which the task fails. Under `none`,
 * the first result is accepted. Pure: the scheduler and its simulation call it with what the store holds.
 *
 * @example
 * decideReplicaVerdict({ policy: 'replicate', replicas: 2, replicas_max: 5 },
 *   { results: [{ workerId: 'a', resultHash: 'x' }, { workerId: 'b', resultHash: 'x' }], inFlight: 0 });
 * // → { decision: 'accept', resultHash: 'x', agreeing: ['a', 'b'], disagreeing: [] }
 */
export function decideReplicaVerdict(
  policy: VerificationPolicy,
  { results, inFlight }: { results: readonly ReplicaResult[]; inFlight: number },
): ReplicaVerdict {
  assert(inFlight >= 0 && Number.isInteger(inFlight), 'replicas in flight is a count');
  assert(new Set(results.map((result) => result.workerId)).size === results.length, 'one result per worker');
  // Under `proof` only results whose proof verified are recorded, and under `owner` the organization judges
  // what it gets: in both the first result decides, as under `none`.
  if (policy.policy === 'none' || policy.policy === 'proof' || policy.policy === 'owner') {
    const first = results[0];
    if (first === undefined) return inFlight > 0 ? { decision: 'wait' } : { decision: 'add_replica' };
    return { decision: 'accept', resultHash: first.resultHash, agreeing: [first.workerId], disagreeing: [] };
  }
  const quorum = Math.floor(policy.replicas / 2) + 1;
  const byHash = new Map<string, string[]>();
  for (const result of results)
    byHash.set(result.resultHash, [...(byHash.get(result.resultHash) ?? []), result.workerId]);
  let best: [string, string[]] | undefined;
  for (const entry of byHash) if (best === undefined || entry[1].length > best[1].length) best = entry;
  // Two results tied at the top (possible when replicas_max >= 2 * quorum) is no verdict: neither wins.
  const tied = [...byHash.values()].filter((workers) => workers.length === best?.[1].length).length > 1;
  if (best !== undefined && best[1].length >= quorum && !tied) {
    const [resultHash, agreeing] = best;
    const disagreeing = results
      .filter((result) => result.resultHash !== resultHash)
      .map((result) => result.workerId);
    return { decision: 'accept', resultHash, agreeing, disagreeing };
  }
  const bestCount = best?.[1].length ?? 0;
  const started = results.length + inFlight;
  // Even if every replica still possible agreed with the leading result, could it reach the quorum?
  const reachable = bestCount + inFlight + (policy.replicas_max - started) >= quorum;
  if (!reachable) {
    return {
      decision: 'fail',
      reason: `no result can reach a quorum of ${quorum} within ${policy.replicas_max} replicas`,
    };
  }
  if (started < policy.replicas) return { decision: 'add_replica' };
  if (inFlight > 0) return { decision: 'wait' };
  if (started < policy.replicas_max) return { decision: 'add_replica' };
  return {
    decision: 'fail',
    reason: `${results.length} replicas disagreed and the policy allows no more than ${policy.replicas_max}`,
  };
}
