import { HubClient, routes } from '@proofgrid/client';
import { nodeTransport } from '@proofgrid/client/node';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { printResult } from './output.ts';

/** `proofgrid org list`: the organizations registered on the hub, one per line, or JSON. */
export async function orgList(args: Arguments, io: CommandIo): Promise<number> {
  const limit = args.integer('limit', { min: 1, max: 50 });
  const page = args.integer('page', { min: 1, max: 1_000_000 });
  const nameFilter = args.string('name-filter');
  const result = await new HubClient({
    url: resolveHubUrl(args.string('hub'), io.env),
    transport: nodeTransport,
  }).call(routes.listOrganizations, {
    query: {
      ...(nameFilter === undefined ? {} : { name_filter: nameFilter }),
      ...(limit === undefined ? {} : { limit }),
      ...(page === undefined ? {} : { page }),
    },
  });
  printResult(io, args, result, () => {
    const shown = result.organizations.length;
    const seen = ((page ?? 1) - 1) * (limit ?? 50) + shown;
    return [
      ...result.organizations.map(
        (org) =>
          `${org.organization_id}  ${org.name}${org.description === '' ? '' : `  — ${org.description}`}`,
      ),
      `${shown} shown of ${result.total_elements_amount} organization(s).${seen < result.total_elements_amount ? ' Use --page to see more.' : ''}`,
    ];
  });
  return 0;
}
