import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { JSON_BODY_SIZE_BYTES_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { LoginRateLimiter } from './auth/LoginRateLimiter.ts';
import {
  LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
  LOGIN_ATTEMPTS_PER_USERNAME_MAX,
  LOGIN_LIMITER_KEYS_MAX,
  LOGIN_WINDOW_MS,
  PROGRAM_FACTS_CACHED_MAX,
  PROOF_BATCH_SIZE_MAX,
  PROOFS_QUEUED_MAX,
  RESERVATION_BATCH_SIZE_MAX,
  RESERVATIONS_QUEUED_MAX,
} from './constants.ts';
import type { HubDeps } from './deps.ts';
import { ErrorEnvelope, jsonResponses, success } from './http/envelope.ts';
import { installErrorHandling } from './http/installErrorHandling.ts';
import { accountRoutes } from './routes/accountRoutes.ts';
import { inputRoutes } from './routes/inputRoutes.ts';
import { programRoutes } from './routes/programRoutes.ts';
import { proofRoutes } from './routes/proofRoutes.ts';
import { taskRoutes } from './routes/taskRoutes.ts';
import { workerRoutes } from './routes/workerRoutes.ts';
import { Reservations } from './services/leases.ts';
import { ProgramFacts } from './services/ProgramFacts.ts';
import { ProofUploads } from './services/proofs.ts';
import { loadProgramTemplates } from './template/loadProgramTemplate.ts';

export const HUB_VERSION = '0.1.0';

export type BuildHubOptions = {
  /** Fastify's logger setting: `false` in tests, a pino level or options for a running hub. */
  logger?: FastifyServerOptions['logger'];
  /** Login attempts allowed per client address and username per minute. */
  loginAttemptsPerUsernameMax?: number;
};

/**
 * Builds the hub's HTTP application on the given dependencies, ready for `inject()` in tests or `listen()`
 * in the CLI; it opens no port and starts no timer itself.
 *
 * @example
 * const app = await buildHub({ logger: false }, deps);
 * const response = await app.inject({ method: 'GET', url: '/health' });
 */
export async function buildHub(options: BuildHubOptions, deps: HubDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: JSON_BODY_SIZE_BYTES_MAX,
    // Ids and paths are short; a long URL is an attack or a mistake.
    routerOptions: { maxParamLength: 128 },
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  app.addSchema(ErrorEnvelope);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ProofGrid hub',
        version: HUB_VERSION,
        description:
          'The program distributor of a verifiable compute network. Seed 004 compatible: JSON envelope {status, data} / {status, error_code, error_message}, paging with limit (1..50) and page (from 1), the basic token in the `token` header.',
      },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'token' },
          workerSignature: { type: 'apiKey', in: 'header', name: 'proofgrid-signature' },
        },
      },
    },
  });
  await app.register(multipart, { limits: { files: 1, parts: 8 } });

  const loginLimiter = new LoginRateLimiter(
    {
      attemptsPerUsernameMax: options.loginAttemptsPerUsernameMax ?? LOGIN_ATTEMPTS_PER_USERNAME_MAX,
      attemptsPerAddressMax: LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
      windowMs: LOGIN_WINDOW_MS,
      keysMax: LOGIN_LIMITER_KEYS_MAX,
    },
    { clock: deps.clock },
  );
  await app.register(accountRoutes, { deps, loginLimiter });
  await app.register(programRoutes, { deps, templates: await loadProgramTemplates() });
  // Facts of programs never change after upload; the hot paths share one cache of them.
  const programs = new ProgramFacts({ entriesMax: PROGRAM_FACTS_CACHED_MAX }, { db: deps.store });
  const reservations = new Reservations(
    { batchSizeMax: RESERVATION_BATCH_SIZE_MAX, queuedMax: RESERVATIONS_QUEUED_MAX },
    { ...deps, programs },
  );
  await app.register(inputRoutes, { deps, reservations });
  const proofUploads = new ProofUploads(
    { batchSizeMax: PROOF_BATCH_SIZE_MAX, queuedMax: PROOFS_QUEUED_MAX },
    { ...deps, programs },
  );
  await app.register(proofRoutes, { deps, proofUploads, programs });
  await app.register(workerRoutes, { deps });
  await app.register(taskRoutes, { deps });

  app.get(
    '/health',
    {
      schema: {
        tags: ['hub'],
        summary: 'Liveness and database reachability',
        response: jsonResponses(
          Type.Object({ healthy: Type.Boolean(), database: Type.String(), version: Type.String() }),
        ),
      },
    },
    async () => {
      await deps.store.query('SELECT 1');
      return success({ healthy: true, database: deps.store.driver, version: HUB_VERSION });
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
