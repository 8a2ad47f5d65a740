import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorEnvelope, ROUTES } from '@proofgrid/api';
import { assert, JSON_BODY_SIZE_BYTES_MAX } from '@proofgrid/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { LoginRateLimiter } from './auth/LoginRateLimiter.ts';
import {
  LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
  LOGIN_ATTEMPTS_PER_USERNAME_MAX,
  LOGIN_LIMITER_KEYS_MAX,
  LOGIN_WINDOW_MS,
  PROOF_BATCH_SIZE_MAX,
  PROOFS_QUEUED_MAX,
  RESERVATION_BATCH_SIZE_MAX,
  RESERVATIONS_QUEUED_MAX,
} from './constants.ts';
import { createContext } from './context.ts';
import type { HubDeps } from './deps.ts';
import { DonorProofs } from './donors/DonorProofs.ts';
import { Reservations } from './donors/Reservations.ts';
import { installErrorHandling } from './http/installErrorHandling.ts';
import { registerRoutes } from './http/registerRoutes.ts';
import { rejectHostileInput } from './http/rejectHostileInput.ts';
import { accountRoutes } from './routes/accountRoutes.ts';
import { donorRoutes } from './routes/donorRoutes.ts';
import { HUB_VERSION, hubRoutes } from './routes/hubRoutes.ts';
import { inputRoutes } from './routes/inputRoutes.ts';
import { marketRoutes } from './routes/marketRoutes.ts';
import { programRoutes } from './routes/programRoutes.ts';
import { proofRoutes } from './routes/proofRoutes.ts';
import { taskRoutes } from './routes/taskRoutes.ts';
import { workerRoutes } from './routes/workerRoutes.ts';
import { loadProgramTemplates } from './template/loadProgramTemplate.ts';

export { HUB_VERSION };

export type BuildHubOptions = {
  /** Fastify's logger setting: `false` in tests, a pino level or options for a running hub. */
  logger?: FastifyServerOptions['logger'];
  /** Login attempts allowed per client address and username per minute. */
  loginAttemptsPerUsernameMax?: number;
};

/**
 * Builds the hub's HTTP application on the given dependencies, ready for `inject()` in tests or `listen()`
 * in the CLI; it opens no port and starts no timer itself. Every route of the contract (`@proofgrid/api`)
 * is registered in the authentication scope it declares, and a route left without a handler is a bug.
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
  rejectHostileInput(app);
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

  const ctx = createContext(deps);
  const loginLimiter = new LoginRateLimiter(
    {
      attemptsPerUsernameMax: options.loginAttemptsPerUsernameMax ?? LOGIN_ATTEMPTS_PER_USERNAME_MAX,
      attemptsPerAddressMax: LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
      windowMs: LOGIN_WINDOW_MS,
      keysMax: LOGIN_LIMITER_KEYS_MAX,
    },
    { clock: deps.clock },
  );
  const reservations = new Reservations(
    { batchSizeMax: RESERVATION_BATCH_SIZE_MAX, queuedMax: RESERVATIONS_QUEUED_MAX },
    { ctx },
  );
  const donorProofs = new DonorProofs(
    { batchSizeMax: PROOF_BATCH_SIZE_MAX, queuedMax: PROOFS_QUEUED_MAX },
    { ctx },
  );
  const entries = [
    ...accountRoutes(ctx, { loginLimiter }),
    ...programRoutes(ctx, { templates: await loadProgramTemplates() }),
    ...inputRoutes(ctx),
    ...donorRoutes(ctx, { reservations, donorProofs }),
    ...proofRoutes(ctx),
    ...taskRoutes(ctx),
    ...workerRoutes(ctx),
    ...hubRoutes(ctx),
    ...marketRoutes(ctx),
  ];
  const handled = new Set(entries.map((entry) => entry.route));
  for (const route of ROUTES) assert(handled.has(route), `the contract's route ${route.id} has a handler`);
  assert(handled.size === entries.length, 'each route has one handler');
  await registerRoutes(app, ctx, entries);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
