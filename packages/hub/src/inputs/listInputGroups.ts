import type { TaskState } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { requireOwnProgram } from '../programs/requireOwnProgram.ts';
import { type Page, pageWindow } from '../store/paging.ts';

/** An input group as listings show it: seed 004's fields (from its task), then ProofGrid's. */
export type InputGroupListing = {
  inputGroupId: string;
  programId: string;
  name: string;
  /** When its task was last leased (seed 004's `last_reserved`). */
  lastLeasedAt: Date | null;
  /** When the accepted result was submitted (seed 004's `proven_datetime`). */
  provenAt: Date | null;
  /** When the result was verified by the hub, or confirmed by its organization. */
  verifiedAt: Date | null;
  /** Until when a live lease runs, while one does. */
  leaseExpiresAt: Date | null;
  valueCount: number;
  state: TaskState;
};

/** Which groups a listing shows, by their task's state. */
export type InputGroupFilter = 'all' | 'with_result' | 'pending' | 'verified';

const FILTER_SQL: Record<InputGroupFilter, string> = {
  all: 'TRUE',
  with_result: "t.state IN ('proven', 'verified', 'confirmed')",
  pending: "t.state = 'proven'",
  verified: "t.state IN ('verified', 'confirmed')",
};

/** One page of a program's input groups, oldest first, and how many match. @throws PROGRAM_NOT_FOUND */
export async function listInputGroups(
  ctx: HubContext,
  {
    organizationId,
    programId,
    page,
    filter,
  }: { organizationId: string; programId: string; page: Page; filter: InputGroupFilter },
): Promise<{ groups: InputGroupListing[]; total: number }> {
  await requireOwnProgram(ctx.programs, { organizationId, programId });
  const { limit, offset } = pageWindow(page);
  const where = `g.program_id = $1 AND ${FILTER_SQL[filter]}`;
  const rows = await ctx.store.query<{
    input_group_id: string;
    name: string;
    value_count: number;
    state: TaskState;
    last_leased_at: Date | null;
    proven_at: Date | null;
    decided_at: Date | null;
    confirmed_at: Date | null;
    lease_expires_at: Date | null;
  }>(
    `SELECT g.input_group_id, g.name, g.value_count, t.state, t.last_leased_at, t.decided_at, t.confirmed_at,
            a.submitted_at AS proven_at,
            (SELECT max(r.lease_expires_at) FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                AND r.state = 'leased' AND r.lease_expires_at > $4) AS lease_expires_at
       FROM input_group g JOIN task t ON t.task_id = g.input_group_id
       LEFT JOIN replica a ON a.replica_id = t.accepted_replica_id
      WHERE ${where} ORDER BY g.created_at, g.input_group_id LIMIT $2 OFFSET $3`,
    [programId, limit, offset, new Date(ctx.clock.nowMs())],
  );
  const total = await ctx.store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM input_group g JOIN task t ON t.task_id = g.input_group_id WHERE ${where}`,
    [programId],
  );
  return {
    groups: rows.rows.map((row) => ({
      inputGroupId: row.input_group_id,
      programId,
      name: row.name,
      lastLeasedAt: row.last_leased_at,
      provenAt:
        row.state === 'proven' || row.state === 'verified' || row.state === 'confirmed'
          ? row.proven_at
          : null,
      verifiedAt:
        row.state === 'confirmed' ? row.confirmed_at : row.state === 'verified' ? row.decided_at : null,
      leaseExpiresAt: row.lease_expires_at,
      valueCount: row.value_count,
      state: row.state,
    })),
    total: total.rows[0]?.n ?? 0,
  };
}
