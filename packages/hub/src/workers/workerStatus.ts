import { assert, judgementCodesWeighing, type Reputation } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';

export type WorkerStatus = {
  workerId: string;
  name: string;
  organizationId: string | null;
  registeredAt: Date;
  lastSeenAt: Date;
  reputation: Reputation;
};

/**
 * A worker's record and its reputation, derived from its judgements and nothing else: valid and invalid
 * results, valid ones since its last invalid one, and lapsed leases (which do not count against results).
 */
export async function workerStatus(deps: Pick<HubDeps, 'store'>, workerId: string): Promise<WorkerStatus> {
  const found = await deps.store.query<{
    name: string;
    organization_id: string | null;
    registered_at: Date;
    last_seen_at: Date;
    valid: number;
    invalid: number;
    lapsed: number;
    since_invalid: number;
  }>(
    `SELECT w.name, w.organization_id, w.registered_at, w.last_seen_at,
            count(j.*) FILTER (WHERE j.code = ANY($2::text[]))::int AS valid,
            count(j.*) FILTER (WHERE j.code = ANY($3::text[]))::int AS invalid,
            count(j.*) FILTER (WHERE j.code = 'lease_lapsed')::int AS lapsed,
            count(j.*) FILTER (WHERE j.code = ANY($2::text[]) AND j.judgement_id > coalesce(
              (SELECT max(judgement_id) FROM judgement WHERE worker_id = $1 AND code = ANY($3::text[])), 0))::int AS since_invalid
       FROM worker w LEFT JOIN judgement j ON j.worker_id = w.worker_id
      WHERE w.worker_id = $1 GROUP BY w.worker_id`,
    [workerId, judgementCodesWeighing('valid'), judgementCodesWeighing('invalid')],
  );
  const row = found.rows[0];
  assert(row !== undefined, 'workers are never deleted, so an authenticated one exists');
  return {
    workerId,
    name: row.name,
    organizationId: row.organization_id,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at,
    reputation: {
      consecutiveValid: row.since_invalid,
      resultsValid: row.valid,
      resultsInvalid: row.invalid,
      leasesLapsed: row.lapsed,
    },
  };
}
