import type {} from '@fastify/multipart';
import { JSON_BODY_SIZE_BYTES_MAX, PayloadTooLargeError } from '@proofgrid/core';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/** Parts beyond one file and a few fields are refused while parsing, before they are read. */
const MULTIPART_PARTS_MAX = 8;

export type MultipartUpload = {
  file: { filename: string; bytes: Uint8Array };
  /** The parsed JSON of the `data` field; `undefined` when the request had none. */
  data: unknown;
};

/**
 * Reads seed 004's upload form: one file part (any field name with a filename; its clients send `file`)
 * and a `data` text part holding JSON. The file is read into memory up to `fileSizeBytesMax`.
 *
 * @throws VALIDATION_FAILED (not multipart, no file, two files, `data` not JSON), PAYLOAD_TOO_LARGE
 */
export async function readMultipart(
  request: FastifyRequest,
  { fileSizeBytesMax, what }: { fileSizeBytesMax: number; what: string },
): Promise<MultipartUpload> {
  if (!request.isMultipart()) {
    throw new ValidationError({
      message: 'This endpoint takes a multipart/form-data body.',
      details: `Send the ${what} as a "file" part and the JSON parameters as a "data" part.`,
    });
  }
  let file: MultipartUpload['file'] | undefined;
  let dataText: string | undefined;
  const parts = request.parts({
    limits: {
      fileSize: fileSizeBytesMax,
      files: 1,
      fields: 4,
      parts: MULTIPART_PARTS_MAX,
      fieldSize: JSON_BODY_SIZE_BYTES_MAX,
    },
  });
  for await (const part of parts) {
    if (part.type === 'file') {
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (error) {
        if ((error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE')
          throw new PayloadTooLargeError({ what, sizeBytesMax: fileSizeBytesMax });
        throw error;
      }
      if (part.file.truncated) throw new PayloadTooLargeError({ what, sizeBytesMax: fileSizeBytesMax });
      file = { filename: part.filename, bytes };
    } else if (part.fieldname === 'data') {
      if (part.valueTruncated)
        throw new PayloadTooLargeError({ what: 'data field', sizeBytesMax: JSON_BODY_SIZE_BYTES_MAX });
      dataText = String(part.value);
    }
  }
  if (file === undefined) {
    throw new ValidationError({
      message: `The request holds no file.`,
      details: `Send the ${what} as a multipart part named "file".`,
    });
  }
  return { file, data: parseData(dataText) };
}

function parseData(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError({
      message: 'The "data" field is not valid JSON.',
      details: 'Send it as a JSON object, e.g. {"name":"..."}.',
    });
  }
}
