import type { HubContext } from '../context.ts';
import type { HubDeps } from '../deps.ts';
import type { Queryable } from '../store/Store.ts';
import { applyTransitions, type TaskRow } from '../tasks/taskRecords.ts';
import { reopenExpiredAuctionTasks } from './auctions.ts';
import { CLAIM_SWEEP_BATCH_MAX, DOWNTIME_MS_MIN } from './config.ts';
import { ClaimNotDueError, DealNotFoundError } from './errors.ts';
import { settleTasks } from './settleTasks.ts';

type ClaimableRow = TaskRow & { final_deadline: Date; requester_id: string };

async function claim(tx: Queryable, tasks: readonly ClaimableRow[], now: Date): Promise<void> {
  const reason = (task: ClaimableRow) =>
    `its final deadline ${task.final_deadline.toISOString()} passed before a result was accepted`;
  await applyTransitions(
    tx,
    tasks.map((task) => ({
      task,
      event: 'deadline_claimed' as const,
      reason: reason(task),
      changes: { failureReason: reason(task) },
    })),
    now,
  );
  // Live leases end with the task; their workers are not blamed (their stakes are released by the settlement).
  await tx.query(
    `UPDATE replica SET state = 'returned', submitted_at = $2 WHERE task_id = ANY($1::uuid[]) AND state = 'leased'`,
    [tasks.map((task) => task.task_id), now],
  );
  await settleTasks(
    tx,
    tasks.map((task) => ({
      taskId: task.task_id,
      outcome: 'claimed',
      reason: reason(task),
      resultHash: null,
      winners: [],
      losers: [],
    })),
    now,
  );
}

const CLAIMABLE_SQL = `SELECT t.task_id, t.program_id, t.runtime, t.state, t.attempt, t.replicas_wanted, t.final_deadline, d.requester_id
   FROM task t JOIN deal d USING (deal_id)`;

/**
 * The requester claims a deal task past its final deadline (PoCo's claim): the task fails, the requester is
 * refunded in full, the pool's stake is seized. Anyone in the deal may claim; the hub also claims by itself.
 *
 * @throws DEAL_NOT_FOUND, CLAIM_NOT_DUE
 */
export async function claimTask(
  ctx: HubContext,
  { organizationId, taskId }: { organizationId: string; taskId: string },
): Promise<void> {
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const found = await tx.query<ClaimableRow & { pool_owner_id: string }>(
      `${CLAIMABLE_SQL.replace('d.requester_id', 'd.requester_id, d.pool_owner_id')} WHERE t.task_id = $1 FOR UPDATE OF t`,
      [taskId],
    );
    const task = found.rows[0];
    if (task === undefined || (task.requester_id !== organizationId && task.pool_owner_id !== organizationId))
      throw new DealNotFoundError({ what: `market task ${taskId}` });
    if (task.state !== 'open' && task.state !== 'proven')
      throw new ClaimNotDueError({ reason: `it has ended (${task.state})` });
    // The hub's own downtime first moves the deadline: a pool is never claimed for an outage of the hub.
    await extendForDowntime(tx, now);
    const moved = await tx.query<{ final_deadline: Date }>(
      'SELECT final_deadline FROM task WHERE task_id = $1',
      [taskId],
    );
    task.final_deadline = moved.rows[0]?.final_deadline ?? task.final_deadline;
    const auction = await tx.query(
      'SELECT 1 FROM task t JOIN deal d USING (deal_id) WHERE t.task_id = $1 AND d.auction_id IS NOT NULL AND NOT t.reopened',
      [taskId],
    );
    if (auction.rowCount > 0 && task.final_deadline <= now)
      throw new ClaimNotDueError({
        reason:
          "an auction's task past its lock timeout is reopened to every pool (the hub does it within a second); claim it after its new deadline",
      });
    if (task.final_deadline > now)
      throw new ClaimNotDueError({
        reason: `its final deadline is ${task.final_deadline.toISOString()}, still to come`,
      });
    await claim(tx, [task], now);
  });
}

/**
 * Moves the deadlines of unfinished deal tasks by the time no hub was running (the gap since the last sweep
 * of any hub sharing the database, when longer than {@link DOWNTIME_MS_MIN}), and records why on each task: a
 * pool is claimed only for time the hub could schedule its tasks, never for the hub's own outage.
 */
async function extendForDowntime(tx: Queryable, now: Date): Promise<void> {
  const beat = await tx.query<{ alive_at: Date | null }>('SELECT alive_at FROM hub_heartbeat FOR UPDATE');
  await tx.query('UPDATE hub_heartbeat SET alive_at = greatest(alive_at, $1)', [now]);
  const aliveAt = beat.rows[0]?.alive_at ?? null;
  await tx.query('UPDATE hub_heartbeat SET alive_at = $1 WHERE alive_at IS NULL', [now]);
  if (aliveAt === null) return;
  const gapMs = now.getTime() - aliveAt.getTime();
  if (gapMs < DOWNTIME_MS_MIN) return;
  const reason = `the hub was down for ${Math.round(gapMs / 1000)} s (from ${aliveAt.toISOString()}): the deadline moves by as much`;
  await tx.query(
    `WITH moved AS (
       UPDATE task SET final_deadline = final_deadline + $1 * interval '1 millisecond'
        WHERE deal_id IS NOT NULL AND state IN ('open', 'proven') RETURNING task_id, program_id, attempt, state)
     INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
     SELECT task_id, program_id, attempt, 'deadline_extended', state, state, $2, $3 FROM moved`,
    [gapMs, reason, now],
  );
}

/** Claims every deal task past its final deadline (the hub's own sweep), a batch at a time. */
export async function sweepDeadlines(deps: Pick<HubDeps, 'store' | 'clock'>): Promise<number> {
  const now = new Date(deps.clock.nowMs());
  return deps.store.transaction(async (tx) => {
    await extendForDowntime(tx, now);
    // An auction's task its locker did not deliver is reopened to every pool before anything is claimed.
    await reopenExpiredAuctionTasks(tx, now);
    const found = await tx.query<ClaimableRow>(
      `${CLAIMABLE_SQL} WHERE t.deal_id IS NOT NULL AND t.state IN ('open', 'proven') AND t.final_deadline <= $1
          AND NOT EXISTS (SELECT 1 FROM task_settlement s WHERE s.task_id = t.task_id)
        ORDER BY t.final_deadline LIMIT $2 FOR UPDATE OF t SKIP LOCKED`,
      [now, CLAIM_SWEEP_BATCH_MAX],
    );
    if (found.rows.length > 0) await claim(tx, found.rows, now);
    return found.rows.length;
  });
}
