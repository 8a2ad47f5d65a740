import { HubClient } from '@proofgrid/client';
import type { CommandIo } from './io.ts';

/** `proofgrid org list`: the organizations registered on the hub, one per line, or JSON. */
export async function orgList(
  options: {
    hubUrl: string;
    nameFilter: string | undefined;
    limit: number | undefined;
    page: number | undefined;
    json: boolean;
  },
  io: CommandIo,
): Promise<number> {
  const query: { name_filter?: string; limit?: number; page?: number } = {};
  if (options.nameFilter !== undefined) query.name_filter = options.nameFilter;
  if (options.limit !== undefined) query.limit = options.limit;
  if (options.page !== undefined) query.page = options.page;
  const result = await new HubClient({ url: options.hubUrl }).listOrganizations(query);
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
    return 0;
  }
  for (const org of result.organizations) {
    io.out(`${org.organization_id}  ${org.name}${org.description === '' ? '' : `  — ${org.description}`}`);
  }
  const shown = result.organizations.length;
  const seen = ((options.page ?? 1) - 1) * (options.limit ?? 50) + shown;
  io.out(
    `${shown} shown of ${result.total_elements_amount} organization(s).${seen < result.total_elements_amount ? ' Use --page to see more.' : ''}`,
  );
  return 0;
}
