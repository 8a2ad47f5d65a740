import { routes } from '@proofgrid/api';
import { NAME_LENGTH_MAX } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { naive } from '../http/wire.ts';
import { deleteInputGroup } from '../inputs/deleteInputGroup.ts';
import { type InputGroupFilter, type InputGroupListing, listInputGroups } from '../inputs/listInputGroups.ts';
import { uploadInputGroup } from '../inputs/uploadInputGroup.ts';
import { type Page, toPage } from '../store/paging.ts';

/** A page of input groups on the wire: seed 004's fields and datetimes, then ProofGrid's. */
export async function inputGroupPage(
  ctx: HubContext,
  query: { organizationId: string; programId: string; page: Page; filter: InputGroupFilter },
) {
  const { groups, total } = await listInputGroups(ctx, query);
  return {
    program_input_groups: groups.map((group: InputGroupListing) => ({
      input_group_id: group.inputGroupId,
      program_id: group.programId,
      name: group.name,
      last_reserved: naive(group.lastLeasedAt),
      proven_datetime: naive(group.provenAt),
      verified_datetime: naive(group.verifiedAt),
      lease_expires_at: group.leaseExpiresAt === null ? null : group.leaseExpiresAt.toISOString(),
      value_count: group.valueCount,
      state: group.state,
    })),
    total_elements_amount: total,
  };
}

/** Seed 004's input routes: upload, list and delete input groups. */
export function inputRoutes(ctx: HubContext): RouteEntry[] {
  return [
    handle(routes.uploadInputGroup, async ({ params, upload, organizationId }) => {
      const name = upload.data?.name ?? upload.file.filename.replace(/\.(csv|toml|json)$/i, '');
      if (name === '' || name.length > NAME_LENGTH_MAX)
        throw new ValidationError({
          message: 'The input group has no usable name.',
          details: 'Send data = {"name": "..."}.',
        });
      const { inputGroupId } = await uploadInputGroup(ctx, {
        organizationId,
        programId: params.program_id,
        name,
        file: upload.file.bytes,
      });
      return { input_group_id: inputGroupId };
    }),
    handle(routes.listInputGroups, async ({ params, query, organizationId }) =>
      inputGroupPage(ctx, {
        organizationId,
        programId: params.program_id,
        page: toPage(query),
        filter: 'all',
      }),
    ),
    handle(routes.deleteInputGroup, async ({ params, organizationId }) => {
      await deleteInputGroup(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
      });
      return null;
    }),
  ];
}
