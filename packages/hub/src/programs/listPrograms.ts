import { organizationExists } from '../accounts/accounts.ts';
import type { HubContext } from '../context.ts';
import { AccountNotFoundError } from '../errors.ts';
import { likePrefix, type Page, pageWindow } from '../store/paging.ts';

/** A program as listings show it (seed 004's `StoredProgram`). */
export type ProgramListing = {
  organizationId: string;
  programId: string;
  name: string;
  description: string;
  leaseSeconds: number;
};

export type ProgramsScope =
  /** Every program, optionally those whose name starts with `nameFilter`. */
  | { scope: 'all'; nameFilter: string | undefined }
  /** One organization's programs. */
  | { scope: 'organization'; organizationId: string }
  /** An organization's programs with at least one result awaiting its confirmation. */
  | { scope: 'pending'; organizationId: string };

const WHERE: Record<ProgramsScope['scope'], string> = {
  all: 'name LIKE $1',
  organization: 'organization_id = $1',
  pending: `organization_id = $1 AND EXISTS (SELECT 1 FROM task t WHERE t.program_id = program.program_id AND t.state = 'proven')`,
};

/** One page of programs, oldest first, and how many there are in all. */
export async function listPrograms(
  ctx: HubContext,
  { page, ...scope }: ProgramsScope & { page: Page },
): Promise<{ programs: ProgramListing[]; total: number }> {
  if (scope.scope === 'organization' && !(await organizationExists(ctx, scope.organizationId)))
    throw new AccountNotFoundError({ organizationId: scope.organizationId });
  const parameter = scope.scope === 'all' ? likePrefix(scope.nameFilter ?? '') : scope.organizationId;
  const { limit, offset } = pageWindow(page);
  const rows = await ctx.store.query<{
    organization_id: string;
    program_id: string;
    name: string;
    description: string;
    input_lock_timeout: number;
  }>(
    `SELECT organization_id, program_id, name, description, input_lock_timeout FROM program
      WHERE ${WHERE[scope.scope]} ORDER BY created_at, program_id LIMIT $2 OFFSET $3`,
    [parameter, limit, offset],
  );
  const total = await ctx.store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM program WHERE ${WHERE[scope.scope]}`,
    [parameter],
  );
  return {
    programs: rows.rows.map((row) => ({
      organizationId: row.organization_id,
      programId: row.program_id,
      name: row.name,
      description: row.description,
      leaseSeconds: row.input_lock_timeout,
    })),
    total: total.rows[0]?.n ?? 0,
  };
}
