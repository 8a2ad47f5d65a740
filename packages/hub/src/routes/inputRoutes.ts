import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { encodeInputCsv, INPUT_CSV_SIZE_BYTES_MAX, NAME_LENGTH_MAX, writeTar } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { fileResponses, jsonResponses, success } from '../http/envelope.ts';
import { compileDataParser } from '../http/parseData.ts';
import { readMultipart } from '../http/readMultipart.ts';
import { requireOrganization, TOKEN_SECURITY } from '../http/requireOrganization.ts';
import { InputGroupPageSchema, PageQuery, ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { deleteInputGroup, listInputGroups, uploadInputGroup } from '../services/inputGroups.ts';
import type { Lease, Reservations } from '../services/leases.ts';
import { toPage } from '../services/pages.ts';

const parseInputData = compileDataParser(
  Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX })) }),
  '{"name":"numbers-1"}',
);

const LEASE_HEADERS_DESCRIPTION =
  'The lease travels in the headers ProofGrid-Lease-Id, ProofGrid-Lease-Expires-At (RFC 3339) and ProofGrid-Input-Group-Id; the proof upload must name the lease id.';

function setLeaseHeaders(reply: FastifyReply, lease: Lease): FastifyReply {
  return reply
    .header('proofgrid-lease-id', lease.lease_id)
    .header('proofgrid-lease-expires-at', lease.expires_at)
    .header('proofgrid-input-group-id', lease.input_group_id);
}

/** Seed 004's input routes: upload, list and delete input groups; reserve one (a lease) to run it. */
export const inputRoutes: FastifyPluginAsync<{ deps: HubDeps; reservations: Reservations }> = async (
  fastify,
  { deps, reservations },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/program/inputs/:program_id',
    {
      schema: {
        tags: ['reservation'],
        summary: 'Reserve an input group and download its CSV',
        description: `Leases the next available group for the program's input_lock_timeout. ${LEASE_HEADERS_DESCRIPTION}`,
        params: ProgramIdParams,
        response: fileResponses('text/csv', "The group's values, one base64 value per row."),
      },
    },
    async (request, reply) => {
      const { lease, values } = await reservations.reserve(request.params.program_id);
      return setLeaseHeaders(reply, lease)
        .type('text/csv')
        .header('content-disposition', `attachment; filename="${lease.input_group_id}.csv"`)
        .send(encodeInputCsv(values));
    },
  );

  app.get(
    '/program/program-and-inputs/:program_id',
    {
      schema: {
        tags: ['reservation'],
        summary: 'Reserve an input group and download it with the program',
        description: `A tar holding {program_id}.tar, {input_group_id}.csv and lease.json. ${LEASE_HEADERS_DESCRIPTION}`,
        params: ProgramIdParams,
        response: fileResponses('application/x-tar', 'Program, inputs and lease.'),
      },
    },
    async (request, reply) => {
      const { lease, program, values } = await reservations.reserve(request.params.program_id);
      const archive = writeTar([
        { path: `${lease.program_id}.tar`, data: await deps.blobs.get(program.blob_hash) },
        { path: `${lease.input_group_id}.csv`, data: new TextEncoder().encode(encodeInputCsv(values)) },
        { path: 'lease.json', data: new TextEncoder().encode(`${JSON.stringify(lease, null, 2)}\n`) },
      ]);
      return setLeaseHeaders(reply, lease)
        .type('application/x-tar')
        .header(
          'content-disposition',
          `attachment; filename="${lease.program_id}_${lease.input_group_id}.tar"`,
        )
        .send(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
    },
  );

  app.get(
    '/program/inputs/all/:program_id',
    {
      schema: {
        tags: ['input'],
        summary: 'List the input groups of your program',
        security: TOKEN_SECURITY,
        params: ProgramIdParams,
        querystring: PageQuery,
        response: jsonResponses(InputGroupPageSchema),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      return success(
        await listInputGroups(deps, {
          organizationId,
          programId: request.params.program_id,
          page: toPage(request.query),
          filter: 'all',
        }),
      );
    },
  );

  app.post(
    '/program/inputs/:program_id',
    {
      schema: {
        tags: ['input'],
        summary: 'Upload one input group (a CSV) for your program',
        description: `multipart/form-data: \`file\` = a CSV with one column and no header, each row a base64 value (at most ${INPUT_CSV_SIZE_BYTES_MAX} bytes); \`data\` = JSON {name} (default: the file name without .csv).`,
        consumes: ['multipart/form-data'],
        security: TOKEN_SECURITY,
        params: ProgramIdParams,
        response: jsonResponses(Type.Object({ input_group_id: Type.String() })),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      const upload = await readMultipart(request, {
        fileSizeBytesMax: INPUT_CSV_SIZE_BYTES_MAX,
        what: 'input CSV file',
      });
      const name = parseInputData(upload.data ?? {}).name ?? upload.file.filename.replace(/\.csv$/i, '');
      if (name === '' || name.length > NAME_LENGTH_MAX) {
        throw new ValidationError({
          message: 'The input group has no usable name.',
          details: 'Send data = {"name": "..."}.',
        });
      }
      const { inputGroupId } = await uploadInputGroup(deps, {
        organizationId,
        programId: request.params.program_id,
        name,
        csv: upload.file.bytes,
      });
      return success({ input_group_id: inputGroupId });
    },
  );

  app.delete(
    '/program/input/:program_id/:input_group_id',
    {
      schema: {
        tags: ['input'],
        summary: 'Delete an input group of your program, with its proof',
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      await deleteInputGroup(deps, {
        organizationId,
        programId: request.params.program_id,
        inputGroupId: request.params.input_group_id,
      });
      return success(null);
    },
  );
};
