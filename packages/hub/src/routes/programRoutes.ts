import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DESCRIPTION_LENGTH_MAX,
  LEASE_TIMEOUT_SECONDS_MAX,
  LEASE_TIMEOUT_SECONDS_MIN,
  NAME_LENGTH_MAX,
  PROGRAM_SIZE_BYTES_MAX,
} from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { fileResponses, jsonResponses, success } from '../http/envelope.ts';
import { compileDataParser } from '../http/parseData.ts';
import { readMultipart } from '../http/readMultipart.ts';
import { requireOrganization, TOKEN_SECURITY } from '../http/requireOrganization.ts';
import {
  NameFilterQuery,
  OrganizationIdParams,
  PageQuery,
  ProgramIdParams,
  ProgramPageSchema,
} from '../schemas/common.ts';
import { toPage } from '../services/pages.ts';
import {
  deleteProgram,
  listOrganizationPrograms,
  listPrograms,
  listProgramsWithPendingProofs,
  readProgramArchive,
  uploadProgram,
} from '../services/programs.ts';
import type { TemplateRuntime } from '../template/loadProgramTemplate.ts';

const parseUploadData = compileDataParser(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
    description: Type.String({ maxLength: DESCRIPTION_LENGTH_MAX }),
    execution_timeout: Type.Integer({
      minimum: LEASE_TIMEOUT_SECONDS_MIN,
      maximum: LEASE_TIMEOUT_SECONDS_MAX,
    }),
  }),
  '{"name":"primality","description":"Trial division","execution_timeout":300}',
);

/** Seed 004's program routes: upload, listings, download and deletion of programs. */
export const programRoutes: FastifyPluginAsync<{
  deps: HubDeps;
  templates: Record<TemplateRuntime, Uint8Array>;
}> = async (fastify, { deps, templates }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/program/all',
    {
      schema: {
        tags: ['program'],
        summary: 'List every program',
        querystring: NameFilterQuery,
        response: jsonResponses(ProgramPageSchema),
      },
    },
    async (request) =>
      success(
        await listPrograms(deps, {
          scope: 'all',
          nameFilter: request.query.name_filter,
          page: toPage(request.query),
        }),
      ),
  );

  app.get(
    '/program/mine',
    {
      schema: {
        tags: ['program'],
        summary: 'List your programs',
        security: TOKEN_SECURITY,
        querystring: PageQuery,
        response: jsonResponses(ProgramPageSchema),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      return success(
        await listPrograms(deps, { scope: 'organization', organizationId, page: toPage(request.query) }),
      );
    },
  );

  app.get(
    '/program/template',
    {
      schema: {
        tags: ['program'],
        summary:
          'A starter program (tar): AssemblyScript for runtime wasm (the default), a Noir project for noir',
        querystring: Type.Object(
          { runtime: Type.Optional(Type.Union([Type.Literal('wasm'), Type.Literal('noir')])) },
          { additionalProperties: false },
        ),
        response: fileResponses('application/x-tar', 'The template as a tar.'),
      },
    },
    async (request, reply) =>
      reply
        .type('application/x-tar')
        .header('content-disposition', 'attachment; filename="template.tar"')
        .send(Buffer.from(templates[request.query.runtime ?? 'wasm'])),
  );

  app.get(
    '/program/organization/:organization_id',
    {
      schema: {
        tags: ['program'],
        summary: "List an organization's programs",
        params: OrganizationIdParams,
        querystring: PageQuery,
        response: jsonResponses(ProgramPageSchema),
      },
    },
    async (request) =>
      success(await listOrganizationPrograms(deps, request.params.organization_id, toPage(request.query))),
  );

  app.get(
    '/program/proofs',
    {
      schema: {
        tags: ['proof'],
        summary: 'List your programs with at least one proof awaiting your verification',
        security: TOKEN_SECURITY,
        querystring: PageQuery,
        response: jsonResponses(ProgramPageSchema),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      return success(await listProgramsWithPendingProofs(deps, organizationId, toPage(request.query)));
    },
  );

  app.get(
    '/program/:program_id',
    {
      schema: {
        tags: ['program'],
        summary: "Download a program's archive (public: donors run it)",
        params: ProgramIdParams,
        response: fileResponses('application/x-tar', 'The program as uploaded.'),
      },
    },
    async (request, reply) => {
      const archive = await readProgramArchive(deps, request.params.program_id);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${request.params.program_id}.tar"`)
        .send(Buffer.from(archive));
    },
  );

  app.delete(
    '/program/:program_id',
    {
      schema: {
        tags: ['program'],
        summary: 'Delete your program with its input groups and proofs',
        security: TOKEN_SECURITY,
        params: ProgramIdParams,
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      await deleteProgram(deps, { organizationId, programId: request.params.program_id });
      return success(null);
    },
  );

  app.post(
    '/program/upload',
    {
      schema: {
        tags: ['program'],
        summary: 'Upload a program',
        description: `multipart/form-data: \`file\` = the program as an uncompressed tar (at most ${PROGRAM_SIZE_BYTES_MAX} bytes), \`data\` = JSON {name, description, execution_timeout (seconds a reservation lasts)}.`,
        consumes: ['multipart/form-data'],
        security: TOKEN_SECURITY,
        response: jsonResponses(Type.Object({ program_id: Type.String() })),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      const upload = await readMultipart(request, {
        fileSizeBytesMax: PROGRAM_SIZE_BYTES_MAX,
        what: 'program archive',
      });
      const data = parseUploadData(upload.data);
      const { programId } = await uploadProgram(deps, {
        organizationId,
        name: data.name,
        description: data.description,
        executionTimeoutSeconds: data.execution_timeout,
        archive: upload.file.bytes,
      });
      return success({ program_id: programId });
    },
  );
};
