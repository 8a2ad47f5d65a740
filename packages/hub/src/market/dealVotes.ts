import {
  decideByCredibility,
  judgementCodesWeighing,
  type ReplicaVerdict,
  workerWeight,
} from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';
import { DEAL_REPLICAS_MAX } from './config.ts';

/** What a deal sets on its tasks: the trust the requester asked for, and whether this task is audited. */
export type DealTerms = { dealId: string; trust: number; audit: boolean };

/** The deal terms of those of `taskIds` that belong to a deal. */
export async function dealTermsOf(
  tx: Queryable,
  taskIds: readonly string[],
): Promise<Map<string, DealTerms>> {
  const found = await tx.query<{ task_id: string; deal_id: string; trust: number; audit: boolean }>(
    'SELECT task_id, deal_id, trust, audit FROM task WHERE task_id = ANY($1::uuid[]) AND deal_id IS NOT NULL',
    [[...taskIds]],
  );
  return new Map(
    found.rows.map((row) => [row.task_id, { dealId: row.deal_id, trust: row.trust, audit: row.audit }]),
  );
}

/**
 * Workers' weights in a vote, from their record: valid results since their last invalid one (BOINC's
 * consecutive valid results) is the score of iExec's `max(⌊score/3⌋, 3) − 1`.
 */
export async function workerWeights(
  tx: Queryable,
  workerIds: readonly string[],
): Promise<Map<string, number>> {
  if (workerIds.length === 0) return new Map();
  const found = await tx.query<{ worker_id: string; since_invalid: number }>(
    `SELECT w.worker_id,
            (SELECT count(*) FROM judgement j WHERE j.worker_id = w.worker_id AND j.code = ANY($2::text[])
                AND j.judgement_id > coalesce((SELECT max(judgement_id) FROM judgement i
                                                WHERE i.worker_id = w.worker_id AND i.code = ANY($3::text[])), 0))::int AS since_invalid
       FROM unnest($1::uuid[]) AS w(worker_id)`,
    [[...new Set(workerIds)], judgementCodesWeighing('valid'), judgementCodesWeighing('invalid')],
  );
  return new Map(found.rows.map((row) => [row.worker_id, workerWeight(row.since_invalid)]));
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
  const verdict = decideByCredibility({
    trust: terms.trust,
    replicasMax: DEAL_REPLICAS_MAX,
    results,
    inFlight,
  });
  if (verdict.decision === 'accept' && terms.audit && results.length === 1)
    return inFlight > 0 ? { decision: 'wait' } : { decision: 'add_replica' };
  return verdict;
}
