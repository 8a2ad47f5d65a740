import {
  decideByCredibility,
  judgementCodesWeighing,
  type ReplicaVerdict,
  workerWeight,
} from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';
import { DEAL_REPLICAS_MAX } from './config.ts';

/** What a deal sets on its tasks: the trust the requester asked for, its pool, whether this task is audited. */
export type DealTerms = { dealId: string; poolId: string | null; trust: number; audit: boolean };

/** The deal terms of those of `taskIds` that belong to a deal. */
export async function dealTermsOf(
  tx: Queryable,
  taskIds: readonly string[],
): Promise<Map<string, DealTerms>> {
  const found = await tx.query<{
    task_id: string;
    deal_id: string;
    pool_id: string;
    trust: number;
    audit: boolean;
  }>(
    'SELECT task_id, deal_id, pool_id, trust, audit FROM task WHERE task_id = ANY($1::uuid[]) AND deal_id IS NOT NULL',
    [[...taskIds]],
  );
  return new Map(
    found.rows.map((row) => [
      row.task_id,
      { dealId: row.deal_id, poolId: row.pool_id, trust: row.trust, audit: row.audit },
    ]),
  );
}

/** The key of a worker's weight in a pool. */
export const weightKey = (poolId: string | null, workerId: string) => `${poolId ?? 'any'}/${workerId}`;

/**
 * Workers' weights in their pools' votes, from their record (iExec's `max(⌊score/3⌋, 3) − 1`, capped): the
 * score counts a worker's accepted results on this pool's deal tasks since its last invalid result anywhere.
 * Results on its own free programs, or in other pools, earn it nothing here: credibility cannot be farmed
 * where nobody paid for it, and one proven lie anywhere resets it everywhere.
 */
export async function workerWeights(
  tx: Queryable,
  members: readonly { poolId: string | null; workerId: string }[],
): Promise<Map<string, number>> {
  if (members.length === 0) return new Map();
  const unique = [...new Map(members.map((m) => [weightKey(m.poolId, m.workerId), m])).values()];
  const found = await tx.query<{ pool_id: string; worker_id: string; since_invalid: number }>(
    `SELECT m.pool_id, m.worker_id,
            (SELECT count(*) FROM judgement j JOIN task t ON t.task_id = j.task_id
              WHERE j.worker_id = m.worker_id AND j.code = ANY($3::text[]) AND t.pool_id = m.pool_id
                AND j.judgement_id > coalesce((SELECT max(judgement_id) FROM judgement i
                                                WHERE i.worker_id = m.worker_id AND i.code = ANY($4::text[])), 0))::int AS since_invalid
       FROM unnest($1::uuid[], $2::uuid[]) AS m(pool_id, worker_id)`,
    [
      unique.map((m) => m.poolId),
      unique.map((m) => m.workerId),
      judgementCodesWeighing('valid'),
      judgementCodesWeighing('invalid'),
    ],
  );
  return new Map(
    found.rows.map((row) => [weightKey(row.pool_id, row.worker_id), workerWeight(row.since_invalid)]),
  );
}

/**
 * Decides a deal task by credibility-weighted consensus at the deal's trust, with adaptive replication: a
 * lone result that the vote would accept is first checked by a second replica when the task was drawn for
 * an audit, so a worker that earned the right to run alone never knows which of its tasks are checked.
 */
export function decideDealTask(
  terms: DealTerms,
  {
    results,
    inFlight,
  }: { results: { workerId: string; resultHash: string; weight: number }[]; inFlight: number },
): ReplicaVerdict {
  // An audit is a check: when its results disagree, neither "the first wins" (trust 1) nor a heavy record
  // decides: every result weighs the same, and the majority at trust 2 or more settles it, so an honest
  // auditor is never outvoted by the record of the worker it caught.
  const disagree = new Set(results.map((result) => result.resultHash)).size > 1;
  const verdict = decideByCredibility({
    trust: terms.audit ? Math.max(terms.trust, 2) : terms.trust,
    replicasMax: DEAL_REPLICAS_MAX,
    results: terms.audit && disagree ? results.map((result) => ({ ...result, weight: 2 })) : results,
    inFlight,
  });
  if (verdict.decision === 'accept' && terms.audit && results.length === 1)
    return inFlight > 0 ? { decision: 'wait' } : { decision: 'add_replica' };
  return verdict;
}
