import { WORKER_CONNECTED_WINDOW_MS } from '../constants.ts';
import type { HubContext } from '../context.ts';
import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import { HOLDS_PLACE_SQL } from './leaseReplicas.ts';

/**
 * Waiting tasks examined for workers that could take them, oldest first (those that wait for another
 * worker are the oldest): enough to say why, and bounded, since job watchers ask several times a second.
 */
const WAITING_EXAMINED_MAX = 200;

/**
 * Why a program's open tasks (or one task) are not running right now, in words with what to do: no
 * worker is connected, or every connected worker already holds a place in them and the policy needs
 * distinct workers. Null when nothing is wrong (they are running, or queued for workers that can take them).
 * The caller has counted the tasks: `waiting` are open with no live lease, `proven` await the organization.
 */
export async function explainWaiting(
  ctx: HubContext,
  {
    program,
    taskId,
    waiting,
    proven,
  }: { program: ProgramFact; taskId?: string; waiting: number; proven: number },
): Promise<{ workersConnected: number; reason: string | null }> {
  const now = new Date(ctx.clock.nowMs());
  const since = new Date(now.getTime() - WORKER_CONNECTED_WINDOW_MS);
  const counted = await ctx.store.query<{ connected: number }>(
    'SELECT count(*)::int AS connected FROM worker WHERE last_seen_at > $1',
    [since],
  );
  const connected = counted.rows[0]?.connected ?? 0;
  const { steps } = ctx.runtimes.get(program.runtime);
  const byWorkers = steps.direct !== null || steps.handoff !== null;
  const stalled =
    byWorkers && waiting > 0 && connected > 0
      ? await countStalled(ctx, { programId: program.programId, taskId, now, since })
      : 0;
  const tasks = (n: number) => (taskId === undefined ? `${n} task(s)` : 'the task');
  const reasons: string[] = [];
  if (waiting > 0 && !byWorkers) reasons.push(`${tasks(waiting)} wait for a donor to reserve them`);
  else if (waiting > 0 && connected === 0)
    reasons.push(
      `${tasks(waiting)} wait for a worker: none has asked this hub for work in the last ${WORKER_CONNECTED_WINDOW_MS / 1000} s. Start a worker on a machine that reaches this hub`,
    );
  else if (stalled > 0) {
    const needed = program.policy.policy === 'replicate' ? program.policy.replicas : 1;
    const which = stalled === WAITING_EXAMINED_MAX ? `at least ${stalled} task(s)` : tasks(stalled);
    reasons.push(
      `${which} need a result from a worker that has not run them yet, and none of the ${connected} connected worker(s) qualifies: each task needs ${needed} results from distinct workers of distinct accounts. Start a worker with another identity (another data directory) or on another machine`,
    );
  }
  if (proven > 0) reasons.push(`${tasks(proven)} have a result awaiting your confirmation or rejection`);
  return { workersConnected: connected, reason: reasons.length === 0 ? null : `${reasons.join('; ')}.` };
}

/**
 * Of the oldest waiting tasks (at most WAITING_EXAMINED_MAX), those no connected worker may take: each
 * connected worker, or its account, already holds a place in them.
 */
async function countStalled(
  ctx: HubContext,
  {
    programId,
    taskId,
    now,
    since,
  }: { programId: string; taskId: string | undefined; now: Date; since: Date },
): Promise<number> {
  const counted = await ctx.store.query<{ stalled: number }>(
    `WITH waiting AS (
       SELECT t.task_id, t.attempt FROM task t
        WHERE t.program_id = $1 AND ($4::uuid IS NULL OR t.task_id = $4) AND t.state = 'open'
          AND NOT EXISTS (SELECT 1 FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                           AND r.state = 'leased' AND r.lease_expires_at > $2)
        ORDER BY t.created_at LIMIT ${WAITING_EXAMINED_MAX}),
     connected AS (SELECT worker_id, organization_id FROM worker WHERE last_seen_at > $3)
     SELECT count(*)::int AS stalled FROM waiting t WHERE NOT EXISTS (
       SELECT 1 FROM connected w WHERE NOT EXISTS (
         SELECT 1 FROM replica r LEFT JOIN worker rw ON rw.worker_id = r.worker_id
          WHERE r.task_id = t.task_id AND r.attempt = t.attempt
            AND (r.worker_id = w.worker_id OR (w.organization_id IS NOT NULL AND rw.organization_id = w.organization_id))
            AND ${HOLDS_PLACE_SQL.replaceAll('$now', '$2')}))`,
    [programId, now, since, taskId ?? null],
  );
  return counted.rows[0]?.stalled ?? 0;
}
