import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  LOG_SIZE_BYTES_MAX,
  MEMORY_PAGES_MAX,
  NAME_LENGTH_MAX,
  OUTPUT_SIZE_BYTES_MAX,
  WITNESS_SIZE_BYTES_MAX,
  ZK_PROOF_SIZE_BYTES_MAX,
} from '@proofgrid/core';
import { NOIR_FIELDS_MAX } from '@proofgrid/runtime';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { HubDeps } from '../deps.ts';
import { jsonResponses, success } from '../http/envelope.ts';
import { requireOrganization } from '../http/requireOrganization.ts';
import { requireWorker, WORKER_SECURITY } from '../http/requireWorker.ts';
import {
  reportBadWitness,
  reportExecutionFailure,
  submitProof,
  submitWitness,
} from '../services/noirProofs.ts';
import { leaseReplica, renewReplica, returnReplica, submitReplica } from '../services/replicas.ts';
import { registerWorker } from '../services/workers.ts';

/** A proof, base64, and its public inputs as 66-character hex strings, with room for the JSON around them. */
const PROOF_BODY_BYTES_MAX = Math.ceil((ZK_PROOF_SIZE_BYTES_MAX * 4) / 3) + NOIR_FIELDS_MAX * 2 * 70 + 4096;

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

  app.post(
    '/worker/lease',
    {
      schema: {
        tags: ['worker'],
        summary: 'Lease a replica of an open task this worker can run, or learn why there is none',
        security: WORKER_SECURITY,
        body: Type.Object({
          memory_pages_max: Type.Integer({ minimum: 1, maximum: MEMORY_PAGES_MAX }),
          fuel_per_second: Type.Integer({ minimum: 1, maximum: 1e12 }),
          seconds_available: Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600 }),
          noir_role: Type.Optional(
            Type.Union([Type.Literal('full'), Type.Literal('execute'), Type.Literal('prove')], {
              description: 'Noir tasks: execute and prove (full, the default), execute only, or prove only.',
            }),
          ),
          runtimes: Type.Optional(
            Type.Array(Type.Union([Type.Literal('wasm'), Type.Literal('noir')]), {
              minItems: 1,
              maxItems: 2,
              uniqueItems: true,
              description: 'Runtimes this worker runs; wasm when absent.',
            }),
          ),
        }),
        response: jsonResponses(
          Type.Object({
            lease: Type.Union([
              Type.Object({
                replica_id: Type.String(),
                program_id: Type.String(),
                input_group_id: Type.String(),
                organization_id: Type.String(),
                program_sha256: Type.String(),
                runtime: Type.Union([Type.Literal('wasm'), Type.Literal('noir')]),
                seed: Type.String(),
                limits: Type.Object({
                  fuel: Type.Number(),
                  memory_pages: Type.Integer(),
                  output_bytes: Type.Integer(),
                }),
                lease_expires_at: Type.String(),
                input: Type.Array(Type.String()),
                noir_step: Type.Union([
                  Type.Literal('both'),
                  Type.Literal('execute'),
                  Type.Literal('prove'),
                  Type.Null(),
                ]),
                witness: Type.Union([Type.String(), Type.Null()]),
              }),
              Type.Null(),
            ]),
            reason: Type.Union([Type.String(), Type.Null()]),
          }),
        ),
      },
    },
    async (request) =>
      success(await leaseReplica(deps, { worker: await requireWorker(deps, request), offer: request.body })),
  );

  app.post(
    '/worker/replicas/:replica_id/submit',
    {
      // The output travels base64 in the signed JSON body, so this route takes more than the default.
      bodyLimit: Math.ceil((OUTPUT_SIZE_BYTES_MAX * 4) / 3) + 2 * LOG_SIZE_BYTES_MAX,
      schema: {
        tags: ['worker'],
        summary: "Submit a replica's result; the task is decided as soon as its replicas allow",
        security: WORKER_SECURITY,
        params: Type.Object({ replica_id: Type.String({ maxLength: 64 }) }),
        body: Type.Object({
          output: Type.String({
            maxLength: Math.ceil((OUTPUT_SIZE_BYTES_MAX * 4) / 3) + 4,
            description: 'The output bytes, base64.',
          }),
          fuel_used: Type.Integer({ minimum: 0 }),
          exit_code: Type.Integer({ minimum: 0, maximum: 255 }),
          log: Type.String({ maxLength: LOG_SIZE_BYTES_MAX }),
        }),
        response: jsonResponses(
          Type.Object({
            verdict: Type.Union([
              Type.Literal('accept'),
              Type.Literal('wait'),
              Type.Literal('add_replica'),
              Type.Literal('fail'),
            ]),
          }),
        ),
      },
    },
    async (request) =>
      success(
        await submitReplica(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
          submission: request.body,
        }),
      ),
  );

  const ReplicaParams = Type.Object({ replica_id: Type.String({ maxLength: 64 }) });

  app.post(
    '/worker/replicas/:replica_id/witness',
    {
      bodyLimit: Math.ceil((WITNESS_SIZE_BYTES_MAX * 4) / 3) + 4096,
      schema: {
        tags: ['worker'],
        summary: "Submit a Noir task's witness (execute-only workers): another worker proves it",
        security: WORKER_SECURITY,
        params: ReplicaParams,
        body: Type.Object({
          witness: Type.String({
            maxLength: Math.ceil((WITNESS_SIZE_BYTES_MAX * 4) / 3) + 4,
            description: 'The gzipped witness noir_js returns, base64.',
          }),
        }),
        response: jsonResponses(Type.Object({ verdict: Type.Literal('wait') })),
      },
    },
    async (request) =>
      success(
        await submitWitness(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
          witness: request.body.witness,
        }),
      ),
  );

  app.post(
    '/worker/replicas/:replica_id/bad-witness',
    {
      schema: {
        tags: ['worker'],
        summary:
          'Report that the witness a prove lease carries cannot be proven: the hub executes the task and blames whoever was wrong',
        security: WORKER_SECURITY,
        params: ReplicaParams,
        response: jsonResponses(Type.Object({ verdict: Type.Literal('add_replica') })),
      },
    },
    async (request) =>
      success(
        await reportBadWitness(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
        }),
      ),
  );

  app.post(
    '/worker/replicas/:replica_id/execution-failure',
    {
      schema: {
        tags: ['worker'],
        summary:
          'Report that a Noir task fails to execute (an assertion): the hub runs it too and, if it fails, fails the task',
        security: WORKER_SECURITY,
        params: ReplicaParams,
        response: jsonResponses(Type.Object({ verdict: Type.Literal('fail') })),
      },
    },
    async (request) =>
      success(
        await reportExecutionFailure(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
        }),
      ),
  );

  app.post(
    '/worker/replicas/:replica_id/proof',
    {
      bodyLimit: PROOF_BODY_BYTES_MAX,
      schema: {
        tags: ['worker'],
        summary:
          "Submit a Noir task's proof: accepted only if it verifies against the program's key with exactly the task's inputs",
        security: WORKER_SECURITY,
        params: ReplicaParams,
        body: Type.Object({
          proof: Type.String({
            maxLength: Math.ceil((ZK_PROOF_SIZE_BYTES_MAX * 4) / 3) + 4,
            description: 'The proof bytes, base64.',
          }),
          public_inputs: Type.Array(Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' }), {
            maxItems: NOIR_FIELDS_MAX * 2,
            description: 'The public inputs as bb.js gives them: the parameters, then the return value.',
          }),
        }),
        response: jsonResponses(Type.Object({ verdict: Type.Literal('accept') })),
      },
    },
    async (request) =>
      success(
        await submitProof(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
          submission: request.body,
        }),
      ),
  );

  app.post(
    '/worker/replicas/:replica_id/heartbeat',
    {
      schema: {
        tags: ['worker'],
        summary: 'Keep a lease alive: extends it by the program’s lease length',
        security: WORKER_SECURITY,
        params: ReplicaParams,
        response: jsonResponses(Type.Object({ lease_expires_at: Type.String() })),
      },
    },
    async (request) =>
      success(
        await renewReplica(deps, {
          worker: await requireWorker(deps, request),
          replicaId: request.params.replica_id,
        }),
      ),
  );

  app.post(
    '/worker/replicas/:replica_id/return',
    {
      schema: {
        tags: ['worker'],
        summary: 'Give a leased replica back (the worker stops): its task can be leased again at once',
        security: WORKER_SECURITY,
        params: ReplicaParams,
        response: jsonResponses(Type.Null()),
      },
    },
    async (request) => {
      await returnReplica(deps, {
        worker: await requireWorker(deps, request),
        replicaId: request.params.replica_id,
      });
      return success(null);
    },
  );
};
