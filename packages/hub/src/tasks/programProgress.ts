import { assert } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { explainWaiting } from './explainWaiting.ts';

/** How a program's tasks stand. */
export type Progress = {
  total: number;
  queued: number;
  leased: number;
  proven: number;
  /** Verified by the hub or confirmed by the organization. */
  verified: number;
  failed: number;
  cancelled: number;
  /** No task can change any more without the organization: all verified, failed or cancelled (or none at all). */
  done: boolean;
  workersConnected: number;
  waitingReason: string | null;
};

/** Counts a program's tasks by state (an open task with a live lease counts as leased). @throws PROGRAM_NOT_FOUND */
export async function programProgress(
  ctx: HubContext,
  { organizationId, programId }: { organizationId: string; programId: string },
): Promise<Progress> {
  const program = await requireOwnProgram(ctx.programs, { organizationId, programId });
  const counted = await ctx.store.query<Omit<Progress, 'done' | 'workersConnected' | 'waitingReason'>>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE state = 'open' AND NOT leased)::int AS queued,
            count(*) FILTER (WHERE state = 'open' AND leased)::int AS leased,
            count(*) FILTER (WHERE state = 'proven')::int AS proven,
            count(*) FILTER (WHERE state IN ('verified', 'confirmed'))::int AS verified,
            count(*) FILTER (WHERE state = 'failed')::int AS failed,
            count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled
       FROM (SELECT t.state,
                    -- Only an open task can be leased: decided tasks (most, in a long job) are not looked into.
                    CASE WHEN t.state = 'open'
                         THEN EXISTS (SELECT 1 FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                                         AND r.state = 'leased' AND r.lease_expires_at > $2)
                         ELSE FALSE END AS leased
               FROM task t WHERE t.program_id = $1) AS tasks`,
    [programId, new Date(ctx.clock.nowMs())],
  );
  const counts = counted.rows[0];
  assert(counts !== undefined, 'an aggregate returns one row');
  const waiting = await explainWaiting(ctx, { program, waiting: counts.queued, proven: counts.proven });
  return {
    ...counts,
    done: counts.queued + counts.leased + counts.proven === 0,
    workersConnected: waiting.workersConnected,
    waitingReason: waiting.reason,
  };
}
