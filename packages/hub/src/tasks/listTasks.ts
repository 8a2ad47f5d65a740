import type { TaskState } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { type Page, pageWindow } from '../store/paging.ts';

export type TaskListing = {
  taskId: string;
  name: string;
  state: TaskState;
  attempt: number;
  replicasRunning: number;
  replicasSubmitted: number;
  /** The accepted run's fuel and exit code, once there is one. */
  fuelUsed: number | null;
  exitCode: number | null;
  failureReason: string | null;
  updatedAt: Date;
};

/** One page of a program's tasks, oldest first, optionally of one state. @throws PROGRAM_NOT_FOUND */
export async function listTasks(
  ctx: HubContext,
  {
    organizationId,
    programId,
    state,
    page,
  }: { organizationId: string; programId: string; state: TaskState | undefined; page: Page },
): Promise<{ tasks: TaskListing[]; total: number }> {
  await requireOwnProgram(ctx.programs, { organizationId, programId });
  const { limit, offset } = pageWindow(page);
  const rows = await ctx.store.query<{
    task_id: string;
    name: string;
    state: TaskState;
    attempt: number;
    running: number;
    submitted: number;
    fuel_used: string | null;
    exit_code: number | null;
    failure_reason: string | null;
    updated_at: Date;
  }>(
    `SELECT t.task_id, g.name, t.state, t.attempt, t.failure_reason, t.updated_at, a.fuel_used::text AS fuel_used, a.exit_code,
            (SELECT count(*)::int FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                AND r.state = 'leased' AND r.lease_expires_at > $5) AS running,
            (SELECT count(*)::int FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                AND r.state = 'submitted') AS submitted
       FROM task t JOIN input_group g ON g.input_group_id = t.task_id
       LEFT JOIN replica a ON a.replica_id = t.accepted_replica_id
      WHERE t.program_id = $1 AND ($2::text IS NULL OR t.state = $2)
      ORDER BY g.created_at, t.task_id LIMIT $3 OFFSET $4`,
    [programId, state ?? null, limit, offset, new Date(ctx.clock.nowMs())],
  );
  const total = await ctx.store.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM task WHERE program_id = $1 AND ($2::text IS NULL OR state = $2)',
    [programId, state ?? null],
  );
  return {
    tasks: rows.rows.map((row) => ({
      taskId: row.task_id,
      name: row.name,
      state: row.state,
      attempt: row.attempt,
      replicasRunning: row.running,
      replicasSubmitted: row.submitted,
      fuelUsed: row.fuel_used === null ? null : Number(row.fuel_used),
      exitCode: row.exit_code,
      failureReason: row.failure_reason,
      updatedAt: row.updated_at,
    })),
    total: total.rows[0]?.n ?? 0,
  };
}
