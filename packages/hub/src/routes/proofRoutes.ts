import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isUuid, PROOF_SIZE_BYTES_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { fileResponses, jsonResponses, success } from '../http/envelope.ts';
import { compileDataParser } from '../http/parseData.ts';
import { readMultipart } from '../http/readMultipart.ts';
import { requireOrganization, TOKEN_SECURITY } from '../http/requireOrganization.ts';
import { InputGroupPageSchema, PageQuery, ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { listInputGroups } from '../services/inputGroups.ts';
import { judgeNoirTask, submitAnonymousProof } from '../services/noirProofs.ts';
import type { ProgramFacts } from '../services/ProgramFacts.ts';
import { toPage } from '../services/pages.ts';
import { confirmProof, type ProofUploads, readProof, rejectProof } from '../services/proofs.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const parseProofData = compileDataParser(
  Type.Object({
    organization_id: Id,
    program_id: Id,
    input_group_id: Id,
    lease_id: Type.Optional(Type.String({ maxLength: 64 })),
  }),
  '{"organization_id":"...","program_id":"...","input_group_id":"...","lease_id":"..."}',
);

/** Seed 004's proof routes: donors upload, organizations download, confirm or reject. */
export const proofRoutes: FastifyPluginAsync<{
  deps: HubDeps;
  proofUploads: ProofUploads;
  programs: ProgramFacts;
}> = async (fastify, { deps, proofUploads, programs }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Noir programs take proofs without a lease and are judged through their accepted replica.
  const isNoirProgram = async (programId: string) =>
    isUuid(programId) && (await programs.get(programId))?.runtime === 'noir';
  /** The organization confirms or rejects a group's proof (seed 004's DELETE and PATCH). */
  const judge = async (
    request: FastifyRequest,
    params: { program_id: string; input_group_id: string },
    decision: 'confirm' | 'reject',
  ): Promise<null> => {
    const { organizationId } = await requireOrganization(deps, request);
    const key = { organizationId, programId: params.program_id, inputGroupId: params.input_group_id };
    if (await isNoirProgram(key.programId)) await judgeNoirTask(deps, { ...key, decision });
    else if (decision === 'confirm') await confirmProof(deps, key);
    else await rejectProof(deps, key);
    return null;
  };

  app.post(
    '/program/proof',
    {
      schema: {
        tags: ['proof'],
        summary: "Upload a donor's proof for a reserved input group",
        description: `multipart/form-data: \`file\` = the proof (at most ${PROOF_SIZE_BYTES_MAX} bytes), \`data\` = JSON {organization_id, program_id, input_group_id, lease_id}. Accepted only under the active lease on that group, once. For a Noir program no lease is needed: the file is JSON {proof, public_inputs}, accepted when it verifies against the program's key with exactly the group's inputs.`,
        consumes: ['multipart/form-data'],
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      const upload = await readMultipart(request, {
        fileSizeBytesMax: PROOF_SIZE_BYTES_MAX,
        what: 'proof file',
      });
      const data = parseProofData(upload.data);
      if (await isNoirProgram(data.program_id)) {
        // A Noir proof cannot be forged: it is checked, not leased (see submitAnonymousProof).
        await submitAnonymousProof(deps, {
          organizationId: data.organization_id,
          programId: data.program_id,
          inputGroupId: data.input_group_id,
          file: upload.file.bytes,
        });
        return success(null);
      }
      await proofUploads.upload({
        organizationId: data.organization_id,
        programId: data.program_id,
        inputGroupId: data.input_group_id,
        leaseId: data.lease_id,
        proof: upload.file.bytes,
      });
      return success(null);
    },
  );

  app.get(
    '/program/proofs/:program_id',
    {
      schema: {
        tags: ['proof'],
        summary: 'List the input groups of your program that have a proof',
        description:
          'By default the groups whose proof awaits your verification; `state=verified` or `state=all` for the others.',
        security: TOKEN_SECURITY,
        params: ProgramIdParams,
        querystring: Type.Object({
          ...PageQuery.properties,
          state: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('all')]),
          ),
        }),
        response: jsonResponses(InputGroupPageSchema),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      const state = request.query.state ?? 'pending';
      return success(
        await listInputGroups(deps, {
          organizationId,
          programId: request.params.program_id,
          page: toPage(request.query),
          filter: state === 'all' ? 'proven' : state,
        }),
      );
    },
  );

  app.get(
    '/program/proof/:program_id/:input_group_id',
    {
      schema: {
        tags: ['proof'],
        summary: 'Download the proof of an input group of your program',
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: fileResponses('application/octet-stream', 'The proof as the donor uploaded it.'),
      },
    },
    async (request, reply) => {
      const { organizationId } = await requireOrganization(deps, request);
      const { program_id, input_group_id } = request.params;
      const proof = await readProof(deps, {
        organizationId,
        programId: program_id,
        inputGroupId: input_group_id,
      });
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="proof_${program_id}_${input_group_id}.bin"`)
        .send(Buffer.from(proof));
    },
  );

  app.patch(
    '/program/proof/:program_id/:input_group_id',
    {
      schema: {
        tags: ['proof'],
        summary:
          'Reject a proof: drop it and put the group back in the queue at once (a Noir task: its accepted proof)',
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => success(await judge(request, request.params, 'reject')),
  );

  app.delete(
    '/program/proof/:program_id/:input_group_id',
    {
      schema: {
        tags: ['proof'],
        summary:
          'Confirm a proof: the group is marked verified and keeps its proof (a Noir task: its accepted proof)',
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => success(await judge(request, request.params, 'confirm')),
  );
};
