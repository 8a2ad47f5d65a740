import { type ErrorCode, isProofGridError } from '@proofgrid/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_STATUS } from './errorStatus.ts';

/** Fastify's own codes for bodies over a limit (JSON body, multipart file, part counts). */
const TOO_LARGE_CODES = new Set([
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_REQ_FILE_TOO_LARGE',
  'FST_PARTS_LIMIT',
  'FST_FILES_LIMIT',
  'FST_FIELDS_LIMIT',
]);

/**
 * Turns every error into seed 004's envelope. Domain errors keep their code and message; request errors
 * found by Fastify (schema validation, bad JSON, body limits) become VALIDATION_FAILED or
 * PAYLOAD_TOO_LARGE with Fastify's message; anything else is logged and answered with a generic 500, so
 * driver messages and stack traces never reach a client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isProofGridError(error)) {
      const retryAfterSeconds = 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
      if (typeof retryAfterSeconds === 'number') void reply.header('retry-after', String(retryAfterSeconds));
      return sendError(reply, error.code, error.message);
    }
    if (typeof error.code === 'string' && TOO_LARGE_CODES.has(error.code)) {
      return sendError(
        reply,
        'PAYLOAD_TOO_LARGE',
        `${error.message}. Send a smaller body; the README lists the limits.`,
      );
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(
        reply,
        'VALIDATION_FAILED',
        `The body's content type (${request.headers['content-type'] ?? 'none'}) is not one this route takes. Send JSON with Content-Type: application/json, or multipart/form-data where the route takes a file.`,
      );
    }
    const statusCode = error.statusCode ?? 500;
    if (error.validation !== undefined || (statusCode >= 400 && statusCode < 500)) {
      return sendError(
        reply,
        'VALIDATION_FAILED',
        `The request is invalid: ${error.message}. Fix it and send it again.`,
      );
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(
      reply,
      'INTERNAL_SERVER_ERROR',
      'The hub failed to handle this request; it has been logged. Try again later.',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      'ROUTE_NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0]}. GET /openapi.json lists the API.`,
    ),
  );
}

function sendError(reply: FastifyReply, code: ErrorCode, message: string) {
  const status = ERROR_STATUS[code];
  return reply
    .code(status)
    .type('application/json')
    .send({ status: 'error', error_code: code, error_message: message });
}
