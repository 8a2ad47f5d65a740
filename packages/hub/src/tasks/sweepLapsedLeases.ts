import { LAPSE_SWEEP_BATCH_MAX } from '../constants.ts';
import type { HubDeps } from '../deps.ts';
import { releaseReplicaStakes } from '../market/workerStakes.ts';

/**
 * Records leases that ran out with nothing submitted as `lapsed`, with a `lease_lapsed` judgement in the
 * same statement. A lease stops counting the moment it expires whether or not this has run; the sweep
 * makes the lapse a record (and frees the worker of the place it held). Bounded per call; hubs sharing a
 * database skip each other's rows.
 */
export async function sweepLapsedLeases({ store, clock }: Pick<HubDeps, 'store' | 'clock'>): Promise<number> {
  const now = new Date(clock.nowMs());
  return store.transaction(async (tx) => {
    const swept = await tx.query<{ replica_id: string }>(
      `WITH lapsed AS (
       UPDATE replica SET state = 'lapsed'
        WHERE replica_id IN (SELECT replica_id FROM replica WHERE state = 'leased' AND lease_expires_at <= $1
                              ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING replica_id, task_id, worker_id, attempt, lease_expires_at),
     recorded AS (
       INSERT INTO judgement (task_id, program_id, replica_id, worker_id, attempt, code, reason_code, reason, created_at)
       SELECT l.task_id, t.program_id, l.replica_id, l.worker_id, l.attempt, 'lease_lapsed', NULL,
              'its lease expired at ' || to_char(l.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' with nothing submitted', $1
         FROM lapsed l JOIN task t USING (task_id)
       RETURNING replica_id)
     SELECT replica_id FROM recorded`,
      [now, LAPSE_SWEEP_BATCH_MAX],
    );
    // A lapse is nobody's proven fault: a deal task's stake on it is released.
    await releaseReplicaStakes(tx, {
      replicaIds: swept.rows.map((row) => row.replica_id),
      reason: 'its lease lapsed',
      now,
    });
    return swept.rows.length;
  });
}
