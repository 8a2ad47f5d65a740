import { ProofGridError } from './base.ts';

/**
 * The named errors shared by more than one package. Each takes one named-arguments object and builds a
 * message that says what to do; hub-only errors are built with {@link ProofGridError} directly where they
 * happen.
 */

export class PayloadTooLargeError extends ProofGridError {
  override name = 'PayloadTooLargeError';
  constructor({ what, sizeBytesMax }: { what: string; sizeBytesMax: number }) {
    super('PAYLOAD_TOO_LARGE', {
      shortMessage: `The ${what} is larger than the limit of ${sizeBytesMax} bytes.`,
      details: `Send a smaller ${what} (split inputs into several groups).`,
    });
  }
}
export type PayloadTooLargeErrorType = PayloadTooLargeError & { name: 'PayloadTooLargeError' };

export class InvalidTarError extends ProofGridError {
  override name = 'InvalidTarError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_TAR', {
      shortMessage: `The archive is not an acceptable tar file: ${reason}.`,
      details: 'Send an uncompressed POSIX tar of regular files and folders with relative paths.',
    });
  }
}
export type InvalidTarErrorType = InvalidTarError & { name: 'InvalidTarError' };

export class InvalidCsvError extends ProofGridError {
  override name = 'InvalidCsvError';
  constructor({ reason, rowNumber }: { reason: string; rowNumber?: number }) {
    super('INVALID_CSV', {
      shortMessage:
        rowNumber === undefined
          ? `The input CSV is invalid: ${reason}.`
          : `Row ${rowNumber} of the input CSV is invalid: ${reason}.`,
      details: 'An input group is a CSV file with one column and no header: one base64 value per row.',
    });
  }
}
export type InvalidCsvErrorType = InvalidCsvError & { name: 'InvalidCsvError' };

export class BadBase64EncodingError extends ProofGridError {
  override name = 'BadBase64EncodingError';
  constructor({ rowNumber }: { rowNumber: number }) {
    super('BAD_BASE_64_ENCODING', {
      shortMessage: `Row ${rowNumber} of the input CSV is not valid base64.`,
      details: 'Encode every value with standard padded base64 (RFC 4648, alphabet A-Z a-z 0-9 + /).',
    });
  }
}
export type BadBase64EncodingErrorType = BadBase64EncodingError & { name: 'BadBase64EncodingError' };
