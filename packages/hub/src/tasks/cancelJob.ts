import type { HubContext } from '../context.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { applyTransitions, type TaskRow } from './taskRecords.ts';

/** Tasks cancelled per transaction, so a huge job does not hold one transaction for long. */
const CANCEL_BATCH_MAX = 1_000;

/**
 * Cancels every unfinished task of a program (open, or proven and awaiting its organization). Replicas
 * still running learn it at their next heartbeat, which is refused, and stop. Returns how many tasks were
 * cancelled.
 *
 * @throws PROGRAM_NOT_FOUND
 */
export async function cancelJob(
  ctx: HubContext,
  { organizationId, programId }: { organizationId: string; programId: string },
): Promise<{ cancelled: number }> {
  await requireOwnProgram(ctx.programs, { organizationId, programId });
  let cancelled = 0;
  for (;;) {
    const now = new Date(ctx.clock.nowMs());
    const done = await ctx.store.transaction(async (tx) => {
      const tasks = await tx.query<TaskRow>(
        `SELECT task_id, program_id, runtime, state, attempt, replicas_wanted FROM task
          WHERE program_id = $1 AND state IN ('open', 'proven') AND deal_id IS NULL ORDER BY task_id LIMIT $2 FOR UPDATE`,
        [programId, CANCEL_BATCH_MAX],
      );
      await applyTransitions(
        tx,
        tasks.rows.map((task) => ({
          task,
          event: 'cancelled' as const,
          reason: 'cancelled by its organization',
        })),
        now,
      );
      return tasks.rows.length;
    });
    cancelled += done;
    if (done < CANCEL_BATCH_MAX) return { cancelled };
  }
}
