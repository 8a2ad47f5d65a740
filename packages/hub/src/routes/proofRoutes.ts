import { routes } from '@proofgrid/api';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { toPage } from '../store/paging.ts';
import { resultProofFile } from '../tasks/acceptedResult.ts';
import { judgeByOwner } from '../tasks/judgeByOwner.ts';
import { inputGroupPage } from './inputRoutes.ts';

const FILTERS = { pending: 'pending', verified: 'verified', all: 'with_result' } as const;

/** Seed 004's routes for an organization's results: list, download, confirm, reject. */
export function proofRoutes(ctx: HubContext): RouteEntry[] {
  return [
    handle(routes.listProofs, async ({ params, query, organizationId }) =>
      inputGroupPage(ctx, {
        organizationId,
        programId: params.program_id,
        page: toPage(query),
        filter: FILTERS[query.state ?? 'pending'],
      }),
    ),
    handle(routes.downloadProof, async ({ params, organizationId }) => ({
      bytes: await resultProofFile(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
      }),
      fileName: `proof_${params.program_id}_${params.input_group_id}.bin`,
    })),
    handle(routes.rejectProof, async ({ params, organizationId }) => {
      await judgeByOwner(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
        decision: 'reject',
      });
      return null;
    }),
    handle(routes.confirmProof, async ({ params, organizationId }) => {
      await judgeByOwner(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
        decision: 'confirm',
      });
      return null;
    }),
  ];
}
