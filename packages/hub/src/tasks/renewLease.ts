import type { HubContext } from '../context.ts';
import { LeaseNotActiveError } from '../errors.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { loadReplica, whyNotLive } from './submitToReplica.ts';

/**
 * Extends a live lease by its program's lease length (a worker's heartbeat). An expired lease cannot be
 * revived (its place may be taken), and a lease whose task no longer needs it (decided, cancelled, started
 * again) is refused: the worker should stop that task.
 *
 * @throws LEASE_NOT_ACTIVE, with why
 */
export async function renewLease(
  ctx: HubContext,
  { worker, replicaId }: { worker: AuthenticatedWorker; replicaId: string },
): Promise<{ leaseExpiresAt: Date }> {
  const now = new Date(ctx.clock.nowMs());
  const replica = await loadReplica(ctx.store, replicaId);
  const why = whyNotLive(replica, worker.workerId, now);
  const program = replica === undefined ? undefined : await ctx.programs.get(replica.program_id);
  if (why !== null || program === undefined)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: why ?? 'its program was deleted' });
  const renewed = await ctx.store.query<{ lease_expires_at: Date }>(
    `UPDATE replica r SET lease_expires_at = $3
       FROM task t
      WHERE r.replica_id = $1 AND r.worker_id = $2 AND r.state = 'leased' AND r.lease_expires_at > $4
        AND t.task_id = r.task_id AND t.state = 'open' AND t.attempt = r.attempt
      RETURNING r.lease_expires_at`,
    [replicaId, worker.workerId, new Date(now.getTime() + program.leaseSeconds * 1000), now],
  );
  const row = renewed.rows[0];
  if (row === undefined)
    throw new LeaseNotActiveError({ leaseId: replicaId, reason: 'it ended while being renewed' });
  return { leaseExpiresAt: row.lease_expires_at };
}
