import { INPUT_CSV_SIZE_BYTES_MAX, NAME_LENGTH_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { PageQuery, ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { InputGroupPage } from '../schemas/entities.ts';

/** Seed 004's input routes: upload, list and delete input groups. */

export const uploadInputGroup = defineRoute({
  id: 'uploadInputGroup',
  method: 'POST',
  path: '/program/inputs/:program_id',
  auth: 'organization',
  tags: ['input'],
  summary: 'Upload one input group (a CSV) for your program',
  description: `multipart/form-data: \`file\` = a CSV with one column and no header, each row a base64 value (at most ${INPUT_CSV_SIZE_BYTES_MAX} bytes); a Noir program also takes a Prover.toml or JSON object naming its parameters; \`data\` = JSON {name} (default: the file name without its extension).`,
  params: ProgramIdParams,
  multipart: {
    fileWhat: 'input file',
    fileSizeBytesMax: INPUT_CSV_SIZE_BYTES_MAX,
    data: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX })) }),
    dataRequired: false,
    dataExample: '{"name":"numbers-1"}',
  },
  reply: { kind: 'json', data: Type.Object({ input_group_id: Type.String() }) },
});

export const listInputGroups = defineRoute({
  id: 'listInputGroups',
  method: 'GET',
  path: '/program/inputs/all/:program_id',
  auth: 'organization',
  tags: ['input'],
  summary: 'List the input groups of your program',
  params: ProgramIdParams,
  query: PageQuery,
  reply: { kind: 'json', data: InputGroupPage },
});

export const deleteInputGroup = defineRoute({
  id: 'deleteInputGroup',
  method: 'DELETE',
  path: '/program/input/:program_id/:input_group_id',
  auth: 'organization',
  tags: ['input'],
  summary: 'Delete an input group of your program, with its task, results and proofs',
  params: ProgramGroupParams,
  reply: { kind: 'json', data: Type.Null() },
});
