import { type ErrorAction, type ErrorCode, isProofGridError } from '@proofgrid/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { BlobMissingError } from '../blobs/BlobStore.ts';
import { ACTION_HINTS } from './actionHints.ts';
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
 * Turns every error into seed 004's envelope. Domain errors keep their code and message, and their action
 * becomes the route that fixes it; request errors found by Fastify (schema validation, bad JSON, body
 * limits) become VALIDATION_FAILED or PAYLOAD_TOO_LARGE with Fastify's message; a blob missing from storage
 * is STORAGE_UNAVAILABLE; anything else is logged and answered with a generic 500, so driver messages and
 * stack traces never reach a client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isProofGridError(error)) {
      const retryAfterSeconds = 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
      if (typeof retryAfterSeconds === 'number') void reply.header('retry-after', String(retryAfterSeconds));
      return sendError(reply, { code: error.code, detail: error.message, action: error.action ?? null });
    }
    if (error instanceof BlobMissingError) {
      request.log.error({ err: error }, 'blob missing');
      return sendError(reply, {
        code: 'STORAGE_UNAVAILABLE',
        detail: `${error.message} Nothing was changed.`,
        action: 'retry_later',
      });
    }
    if (typeof error.code === 'string' && TOO_LARGE_CODES.has(error.code)) {
      return sendError(reply, {
        code: 'PAYLOAD_TOO_LARGE',
        detail: `${error.message}. Send a smaller body; the README lists the limits.`,
        action: null,
      });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, {
        code: 'VALIDATION_FAILED',
        detail: `The body's content type (${request.headers['content-type'] ?? 'none'}) is not one this route takes. Send JSON with Content-Type: application/json, or multipart/form-data where the route takes a file.`,
        action: null,
      });
    }
    const statusCode = error.statusCode ?? 500;
    if (error.validation !== undefined || (statusCode >= 400 && statusCode < 500)) {
      return sendError(reply, {
        code: 'VALIDATION_FAILED',
        detail: `The request is invalid: ${error.message}. Fix it and send it again.`,
        action: null,
      });
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, {
      code: 'INTERNAL_SERVER_ERROR',
      detail: 'The hub failed to handle this request; it has been logged. Try again later.',
      action: null,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, {
      code: 'ROUTE_NOT_FOUND',
      detail: `No route ${request.method} ${request.url.split('?')[0]}. GET /openapi.json lists the API.`,
      action: null,
    }),
  );
}

function sendError(
  reply: FastifyReply,
  { code, detail, action }: { code: ErrorCode; detail: string; action: ErrorAction | null },
) {
  const hint = action === null ? '' : ` ${ACTION_HINTS[action]}`;
  return reply
    .code(ERROR_STATUS[code])
    .type('application/json')
    .send({
      status: 'error',
      error_code: code,
      error_message: `${detail}${hint}`,
      error_detail: detail,
      error_action: action,
    });
}
