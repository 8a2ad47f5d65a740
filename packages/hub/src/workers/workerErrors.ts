import { decodeBase64, ProofGridError, WORKER_SIGNATURE_SKEW_MS_MAX } from '@proofgrid/core';
import { ValidationError } from '../errors.ts';

export class InvalidSignatureError extends ProofGridError {
  override name = 'InvalidSignatureError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_SIGNATURE', {
      shortMessage: `The worker's signature is not accepted: ${reason}.`,
      details:
        "Sign with the worker's own key over the exact request, and keep the machine's clock within 5 minutes of the hub's.",
    });
  }
}

/** Refuses a signed timestamp further from the hub's clock than the allowed skew: a captured request is useless later. */
export function checkSkew(timestampMs: number, nowMs: number): void {
  if (!Number.isSafeInteger(timestampMs) || Math.abs(timestampMs - nowMs) > WORKER_SIGNATURE_SKEW_MS_MAX) {
    throw new InvalidSignatureError({
      reason: `its timestamp ${timestampMs} is more than 5 minutes from the hub's time ${nowMs}`,
    });
  }
}

/** Bytes of a fixed length from standard base64. @throws VALIDATION_FAILED */
export function decodeFixed(text: string, length: number, field: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (bytes === undefined || bytes.length !== length) {
    throw new ValidationError({
      message: `${field} must be ${length} bytes in standard base64.`,
      details: 'Encode the raw Ed25519 bytes with base64.',
    });
  }
  return bytes;
}
