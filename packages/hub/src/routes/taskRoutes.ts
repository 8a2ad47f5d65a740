import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { fileResponses, jsonResponses, success } from '../http/envelope.ts';
import { requireOrganization, TOKEN_SECURITY } from '../http/requireOrganization.ts';
import { ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { taskProof } from '../services/noirProofs.ts';
import { programProgress, verifiedResult } from '../services/tasks.ts';

/** The organization's view of tasks run by workers: progress, and verified results. */
export const taskRoutes: FastifyPluginAsync<{ deps: HubDeps }> = async (fastify, { deps }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/program/:program_id/progress',
    {
      schema: {
        tags: ['task'],
        summary: "Your program's tasks by state",
        security: TOKEN_SECURITY,
        params: ProgramIdParams,
        response: jsonResponses(
          Type.Object({
            total: Type.Integer(),
            queued: Type.Integer(),
            leased: Type.Integer(),
            verified: Type.Integer(),
            failed: Type.Integer(),
          }),
        ),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      return success(await programProgress(deps, { organizationId, programId: request.params.program_id }));
    },
  );

  app.get(
    '/program/:program_id/results/:input_group_id',
    {
      schema: {
        tags: ['task'],
        summary: 'The verified output of a task (its verdict in the ProofGrid-Verdict header, JSON)',
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: fileResponses(
          'application/octet-stream',
          'The output bytes the agreeing replicas produced.',
        ),
      },
    },
    async (request, reply) => {
      const { organizationId } = await requireOrganization(deps, request);
      const { output, verdict } = await verifiedResult(deps, {
        organizationId,
        programId: request.params.program_id,
        inputGroupId: request.params.input_group_id,
      });
      return reply
        .type('application/octet-stream')
        .header('proofgrid-verdict', JSON.stringify(verdict))
        .send(Buffer.from(output));
    },
  );

  app.get(
    '/program/:program_id/results/:input_group_id/proof',
    {
      schema: {
        tags: ['task'],
        summary:
          "A verified Noir task's proof, public inputs, result and the program's verification key: check it yourself",
        security: TOKEN_SECURITY,
        params: ProgramGroupParams,
        response: jsonResponses(
          Type.Object({
            name: Type.String(),
            proof: Type.String({ description: 'base64' }),
            public_inputs: Type.Array(Type.String()),
            output: Type.Unknown({ description: "main()'s return value, decoded from the public inputs" }),
            verification_key: Type.String({ description: 'base64' }),
          }),
        ),
      },
    },
    async (request) => {
      const { organizationId } = await requireOrganization(deps, request);
      return success(
        await taskProof(deps, {
          organizationId,
          programId: request.params.program_id,
          inputGroupId: request.params.input_group_id,
        }),
      );
    },
  );
};
