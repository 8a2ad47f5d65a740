import type { HubContext } from '../context.ts';
import { LeaseNotActiveError } from '../errors.ts';
import { releaseReplicaStakes } from '../market/workerStakes.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { loadReplica } from './submitToReplica.ts';
import { recordJudgements } from './taskRecords.ts';

/**
 * Takes a leased replica back from its worker (a worker stopping): its task can be leased again at once,
 * by this worker too. Recorded as `returned`, which counts for nothing.
 *
 * @throws LEASE_NOT_ACTIVE
 */
export async function returnLease(
  ctx: HubContext,
  { worker, replicaId }: { worker: AuthenticatedWorker; replicaId: string },
): Promise<void> {
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const replica = await loadReplica(tx, replicaId, { lock: true });
    if (replica === undefined || replica.worker_id !== worker.workerId || replica.state !== 'leased')
      throw new LeaseNotActiveError({
        leaseId: replicaId,
        reason: 'this worker holds no such leased replica',
      });
    // A lease that already ran out is not given back but lapsed: the sweep records it so.
    if (replica.lease_expires_at.getTime() <= now.getTime())
      throw new LeaseNotActiveError({
        leaseId: replicaId,
        reason: `it expired at ${replica.lease_expires_at.toISOString()} and lapses`,
      });
    await tx.query(
      `UPDATE replica SET state = 'returned', lease_expires_at = least(lease_expires_at, $2) WHERE replica_id = $1`,
      [replicaId, now],
    );
    await recordJudgements(
      tx,
      [
        {
          taskId: replica.task_id,
          programId: replica.program_id,
          replicaId,
          workerId: worker.workerId,
          attempt: replica.attempt,
          code: 'returned',
          reasonCode: null,
          reason: 'its worker gave the lease back',
        },
      ],
      now,
    );
    await releaseReplicaStakes(tx, {
      replicaIds: [replicaId],
      reason: 'its worker gave the lease back',
      now,
    });
  });
}
