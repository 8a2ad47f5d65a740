import type { ErrorAction } from './actions.ts';
import type { ErrorCode } from './codes.ts';

export type ProofGridErrorParameters = {
  /** One sentence: what went wrong. */
  shortMessage: string;
  /** What the user can do about it. */
  details?: string | undefined;
  /** Extra lines shown under the message (values, limits). */
  metaMessages?: string[] | undefined;
  /** What would fix it, in one word each surface turns into its own instruction (a route, a command). */
  action?: ErrorAction | undefined;
  cause?: unknown;
};

/**
 * The one error base of ProofGrid: every expected failure carries a stable `code` (see `ERROR_CODES`) and a
 * message that says what went wrong and what to do.
 */
export class ProofGridError extends Error {
  override name = 'ProofGridError';
  readonly code: ErrorCode;
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: string[] | undefined;
  readonly action: ErrorAction | undefined;

  constructor(code: ErrorCode, parameters: ProofGridErrorParameters) {
    const lines = [parameters.shortMessage];
    if (parameters.details) lines.push(parameters.details);
    if (parameters.metaMessages) lines.push(...parameters.metaMessages);
    super(lines.join(' '), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.code = code;
    this.shortMessage = parameters.shortMessage;
    this.details = parameters.details;
    this.metaMessages = parameters.metaMessages;
    this.action = parameters.action;
  }
}

/** True when `error` is a {@link ProofGridError}, optionally with the given code. */
export function isProofGridError(error: unknown, code?: ErrorCode): error is ProofGridError {
  return error instanceof ProofGridError && (code === undefined || error.code === code);
}
