import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { PageQuery, ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { InputGroupPage, ProgramPage } from '../schemas/entities.ts';

/** Seed 004's routes for an organization's proofs: list, download, confirm, reject. */

export const listProgramsWithPendingProofs = defineRoute({
  id: 'listProgramsWithPendingProofs',
  method: 'GET',
  path: '/program/proofs',
  auth: 'organization',
  tags: ['proof'],
  summary: 'List your programs with at least one result awaiting your confirmation',
  query: PageQuery,
  reply: { kind: 'json', data: ProgramPage },
});

export const listProofs = defineRoute({
  id: 'listProofs',
  method: 'GET',
  path: '/program/proofs/:program_id',
  auth: 'organization',
  tags: ['proof'],
  summary: 'List the input groups of your program that have a proof',
  description:
    'By default the groups whose proof awaits your verification; `state=verified` or `state=all` for the others.',
  params: ProgramIdParams,
  query: Type.Object({
    ...PageQuery.properties,
    state: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('all')]),
    ),
  }),
  reply: { kind: 'json', data: InputGroupPage },
});

export const downloadProof = defineRoute({
  id: 'downloadProof',
  method: 'GET',
  path: '/program/proof/:program_id/:input_group_id',
  auth: 'organization',
  tags: ['proof'],
  summary: 'Download the proof of an input group of your program',
  params: ProgramGroupParams,
  reply: {
    kind: 'file',
    contentType: 'application/octet-stream',
    description: 'The proof as it was uploaded.',
  },
});

export const rejectProof = defineRoute({
  id: 'rejectProof',
  method: 'PATCH',
  path: '/program/proof/:program_id/:input_group_id',
  auth: 'organization',
  tags: ['proof'],
  summary: 'Reject a result that is not confirmed yet: its task goes back in the queue at once',
  description:
    'Any worker but the ones whose result was rejected may take the task again. A confirmed result cannot be rejected.',
  params: ProgramGroupParams,
  reply: { kind: 'json', data: Type.Null() },
});

export const confirmProof = defineRoute({
  id: 'confirmProof',
  method: 'DELETE',
  path: '/program/proof/:program_id/:input_group_id',
  auth: 'organization',
  tags: ['proof'],
  summary: 'Confirm a result: its group is marked verified and keeps its proof',
  params: ProgramGroupParams,
  reply: { kind: 'json', data: Type.Null() },
});
