import { routes } from '@proofgrid/api';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { deleteProgram } from '../programs/deleteProgram.ts';
import { listPrograms, type ProgramListing } from '../programs/listPrograms.ts';
import { readProgramArchive } from '../programs/readProgramArchive.ts';
import { uploadProgram } from '../programs/uploadProgram.ts';
import { toPage } from '../store/paging.ts';
import type { TemplateRuntime } from '../template/loadProgramTemplate.ts';

/** A page of programs on the wire (seed 004's `StoredProgram` list). */
export function programPage({ programs, total }: { programs: ProgramListing[]; total: number }) {
  return {
    programs: programs.map((program) => ({
      organization_id: program.organizationId,
      program_id: program.programId,
      name: program.name,
      description: program.description,
      input_lock_timeout: program.leaseSeconds,
    })),
    total_elements_amount: total,
  };
}

/** Seed 004's program routes: upload, listings, download and deletion of programs. */
export function programRoutes(
  ctx: HubContext,
  { templates }: { templates: Record<TemplateRuntime, Uint8Array> },
): RouteEntry[] {
  return [
    handle(routes.listAllPrograms, async ({ query }) =>
      programPage(
        await listPrograms(ctx, { scope: 'all', nameFilter: query.name_filter, page: toPage(query) }),
      ),
    ),
    handle(routes.listMyPrograms, async ({ query, organizationId }) =>
      programPage(await listPrograms(ctx, { scope: 'organization', organizationId, page: toPage(query) })),
    ),
    handle(routes.listOrganizationPrograms, async ({ params, query }) =>
      programPage(
        await listPrograms(ctx, {
          scope: 'organization',
          organizationId: params.organization_id,
          page: toPage(query),
        }),
      ),
    ),
    handle(routes.listProgramsWithPendingProofs, async ({ query, organizationId }) =>
      programPage(await listPrograms(ctx, { scope: 'pending', organizationId, page: toPage(query) })),
    ),
    handle(routes.programTemplate, async ({ query }) => ({
      bytes: templates[query.runtime ?? 'wasm'],
      fileName: 'template.tar',
    })),
    handle(routes.uploadProgram, async ({ upload, organizationId }) => {
      const { programId } = await uploadProgram(ctx, {
        organizationId,
        name: upload.data.name,
        description: upload.data.description,
        leaseSeconds: upload.data.execution_timeout,
        archive: upload.file.bytes,
      });
      return { program_id: programId };
    }),
    handle(routes.downloadProgram, async ({ params }) => ({
      bytes: await readProgramArchive(ctx, params.program_id),
      fileName: `${params.program_id}.tar`,
    })),
    handle(routes.deleteProgram, async ({ params, organizationId }) => {
      await deleteProgram(ctx, { organizationId, programId: params.program_id });
      return null;
    }),
  ];
}
