import {
  DESCRIPTION_LENGTH_MAX,
  LEASE_TIMEOUT_SECONDS_MAX,
  LEASE_TIMEOUT_SECONDS_MIN,
  NAME_LENGTH_MAX,
  PROGRAM_SIZE_BYTES_MAX,
} from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { NameFilterQuery, OrganizationIdParams, PageQuery, ProgramIdParams } from '../schemas/common.ts';
import { ProgramPage } from '../schemas/entities.ts';

/** Seed 004's program routes: upload, listings, download and deletion. */

export const listAllPrograms = defineRoute({
  id: 'listAllPrograms',
  method: 'GET',
  path: '/program/all',
  auth: 'none',
  tags: ['program'],
  summary: 'List every program',
  query: NameFilterQuery,
  reply: { kind: 'json', data: ProgramPage },
});

export const listMyPrograms = defineRoute({
  id: 'listMyPrograms',
  method: 'GET',
  path: '/program/mine',
  auth: 'organization',
  tags: ['program'],
  summary: 'List your programs',
  query: PageQuery,
  reply: { kind: 'json', data: ProgramPage },
});

export const listOrganizationPrograms = defineRoute({
  id: 'listOrganizationPrograms',
  method: 'GET',
  path: '/program/organization/:organization_id',
  auth: 'none',
  tags: ['program'],
  summary: "List an organization's programs",
  params: OrganizationIdParams,
  query: PageQuery,
  reply: { kind: 'json', data: ProgramPage },
});

export const programTemplate = defineRoute({
  id: 'programTemplate',
  method: 'GET',
  path: '/program/template',
  auth: 'none',
  tags: ['program'],
  summary: 'A starter program (tar): AssemblyScript for runtime wasm (the default), a Noir project for noir',
  query: Type.Object(
    { runtime: Type.Optional(Type.Union([Type.Literal('wasm'), Type.Literal('noir')])) },
    { additionalProperties: false },
  ),
  reply: { kind: 'file', contentType: 'application/x-tar', description: 'The template as a tar.' },
});

export const uploadProgram = defineRoute({
  id: 'uploadProgram',
  method: 'POST',
  path: '/program/upload',
  auth: 'organization',
  tags: ['program'],
  summary: 'Upload a program',
  description: `multipart/form-data: \`file\` = the program as an uncompressed tar (at most ${PROGRAM_SIZE_BYTES_MAX} bytes), \`data\` = JSON {name, description, execution_timeout (seconds a reservation lasts)}.`,
  multipart: {
    fileWhat: 'program archive',
    fileSizeBytesMax: PROGRAM_SIZE_BYTES_MAX,
    data: Type.Object({
      name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
      description: Type.String({ maxLength: DESCRIPTION_LENGTH_MAX }),
      execution_timeout: Type.Integer({
        minimum: LEASE_TIMEOUT_SECONDS_MIN,
        maximum: LEASE_TIMEOUT_SECONDS_MAX,
      }),
    }),
    dataRequired: true,
    dataExample: '{"name":"primality","description":"Trial division","execution_timeout":300}',
  },
  reply: { kind: 'json', data: Type.Object({ program_id: Type.String() }) },
});

export const downloadProgram = defineRoute({
  id: 'downloadProgram',
  method: 'GET',
  path: '/program/:program_id',
  auth: 'none',
  tags: ['program'],
  summary: "Download a program's archive (public: donors run it)",
  params: ProgramIdParams,
  reply: { kind: 'file', contentType: 'application/x-tar', description: 'The program as uploaded.' },
});

export const deleteProgram = defineRoute({
  id: 'deleteProgram',
  method: 'DELETE',
  path: '/program/:program_id',
  auth: 'organization',
  tags: ['program'],
  summary: 'Delete your program with its input groups, results and proofs',
  params: ProgramIdParams,
  reply: { kind: 'json', data: Type.Null() },
});
