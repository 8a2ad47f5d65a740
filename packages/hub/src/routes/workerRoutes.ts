import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NAME_LENGTH_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { jsonResponses, success } from '../http/envelope.ts';
import { requireOrganization } from '../http/requireOrganization.ts';
import { requireWorker, WORKER_SECURITY } from '../http/requireWorker.ts';
import { registerWorker } from '../services/workers.ts';

const WorkerSchema = Type.Object({
  worker_id: Type.String(),
  name: Type.String(),
  organization_id: Type.Union([Type.String(), Type.Null()]),
  registered_at: Type.String(),
  last_seen_at: Type.String(),
  reputation: Type.Object({
    consecutive_valid: Type.Integer(),
    results_valid: Type.Integer(),
    results_invalid: Type.Integer(),
  }),
});

/** The worker protocol: donors' machines register their key, then sign every request with it. */
export const workerRoutes: FastifyPluginAsync<{ deps: HubDeps }> = async (fastify, { deps }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/worker/register',
    {
      schema: {
        tags: ['worker'],
        summary: "Register a worker's Ed25519 key (optionally linked to the account of the `token` header)",
        description:
          'The signature (domain proofgrid.worker.register.v1) covers {public_key, name, timestamp_ms}; registering a key again returns the same worker_id.',
        body: Type.Object({
          public_key: Type.String({ maxLength: 64, description: 'Ed25519 public key, 32 bytes, base64.' }),
          name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
          timestamp_ms: Type.Integer({ minimum: 0 }),
          signature: Type.String({ maxLength: 128, description: 'Ed25519 signature, 64 bytes, base64.' }),
        }),
        response: jsonResponses(
          Type.Object({
            worker_id: Type.String(),
            organization_id: Type.Union([Type.String(), Type.Null()]),
          }),
        ),
      },
    },
    async (request) => {
      const organizationId =
        request.headers.token === undefined
          ? undefined
          : (await requireOrganization(deps, request)).organizationId;
      const { public_key, name, timestamp_ms, signature } = request.body;
      return success(
        await registerWorker(deps, {
          publicKey: public_key,
          name,
          timestampMs: timestamp_ms,
          signature,
          organizationId,
        }),
      );
    },
  );

  app.get(
    '/worker/me',
    {
      schema: {
        tags: ['worker'],
        summary: 'The signing worker: its link, its reputation, when it was last seen',
        security: WORKER_SECURITY,
        response: jsonResponses(WorkerSchema),
      },
    },
    async (request) => success(await requireWorker(deps, request)),
  );
};
