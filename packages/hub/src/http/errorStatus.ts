import type { ErrorCode } from '@proofgrid/core';

/**
 * The HTTP status of every error code: the only place that knows. Seed 004's codes keep seed 004's
 * statuses; a test checks that every code has one.
 */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  ACCOUNT_NOT_FOUND: 404,
  PROGRAM_NOT_FOUND: 404,
  PROGRAM_NAME_TAKEN: 409,
  INPUT_GROUP_NOT_FOUND: 404,
  BAD_BASE_64_ENCODING: 422,
  WRONG_CREDENTIALS: 403,
  USERNAME_ALREADY_EXISTS: 409,
  REFRESH_TOKEN_NOT_FOUND: 404,
  INVALID_TOKEN: 403,
  INTERNAL_SERVER_ERROR: 500,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  ROUTE_NOT_FOUND: 404,
  INVALID_CSV: 422,
  INVALID_TAR: 422,
  INPUT_GROUP_NAME_TAKEN: 409,
  LEASE_REQUIRED: 400,
  LEASE_NOT_ACTIVE: 409,
  PROOF_NOT_FOUND: 404,
};
