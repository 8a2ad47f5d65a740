import type { ErrorAction, ErrorCode } from '@proofgrid/core';

/** Codes of failures that never reached a hub, or came back in a form no hub sends. */
export type TransportErrorCode = 'HUB_UNREACHABLE' | 'BAD_RESPONSE';

/**
 * An error answer from a hub — its `error_code`, message and HTTP status — or a failure to reach one
 * (`status` 0). `detail` is the message without hints that name routes, and `action` says what would fix
 * it, so a program (the command line) can say it in its own words.
 */
export class HubApiError extends Error {
  override name = 'HubApiError';
  readonly code: ErrorCode | TransportErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly action: ErrorAction | null;

  constructor({
    code,
    message,
    status,
    detail = message,
    action = null,
  }: {
    code: ErrorCode | TransportErrorCode;
    message: string;
    status: number;
    detail?: string;
    action?: ErrorAction | null;
  }) {
    super(message);
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.action = action;
  }
}

/** True for a hub's error answer with this code. */
export function isHubError(error: unknown, code: ErrorCode | TransportErrorCode): error is HubApiError {
  return error instanceof HubApiError && error.code === code;
}

/**
 * True when the hub answered and refused the request for good (a 4xx other than 408 and 429): asking
 * again cannot help. An unreachable, failing (5xx) or busy hub is worth asking again.
 */
export function isRefusal(error: unknown): error is HubApiError {
  return (
    error instanceof HubApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}
