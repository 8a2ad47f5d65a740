import { type Program, routes } from '@proofgrid/client';
import { PAGE_LIMIT_MAX } from '@proofgrid/core';

/** Pages walked at most (50 groups each) to find a group by name. */
const PAGES_MAX = 100_000;

/** An input group of a program, by id or name: its id. */
export async function resolveGroup(program: Program, group: string): Promise<{ id: string; name: string }> {
  for (let page = 1; page <= PAGES_MAX; page++) {
    const listed = await program.session.call(routes.listInputGroups, {
      params: { program_id: program.id },
      query: { page, limit: PAGE_LIMIT_MAX },
    });
    const found = listed.program_input_groups.find(
      (candidate) => candidate.input_group_id === group || candidate.name === group,
    );
    if (found !== undefined) return { id: found.input_group_id, name: found.name };
    if (page * PAGE_LIMIT_MAX >= listed.total_elements_amount) break;
  }
  throw new Error(
    `Program ${program.summary.name} has no input group "${group}". Its groups: proofgrid input list ${program.summary.name}`,
  );
}
