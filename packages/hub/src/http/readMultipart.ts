import type {} from '@fastify/multipart';
import type { MultipartBody } from '@proofgrid/api';
import { JSON_BODY_SIZE_BYTES_MAX, NAME_LENGTH_MAX, PayloadTooLargeError } from '@proofgrid/core';
import type { TObject } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';
import { findHostileValue } from './rejectHostileInput.ts';

/** Parts beyond one file and a few fields are refused while parsing, before they are read. */
const MULTIPART_PARTS_MAX = 8;

export type MultipartUpload = {
  file: { filename: string; bytes: Uint8Array };
  /** The validated JSON of the `data` field; `undefined` when the request had none. */
  data: unknown;
};

const checkers = new WeakMap<TObject, TypeCheck<TObject>>();

/**
 * Reads seed 004's upload form: one file part (any field name with a filename; its clients send `file`)
 * and a `data` text part holding JSON, checked against the route's schema as Fastify checks JSON bodies.
 * The file is read into memory up to the route's limit.
 *
 * @throws VALIDATION_FAILED (not multipart, no file, two files, `data` missing, not JSON or not valid),
 *   PAYLOAD_TOO_LARGE
 */
export async function readMultipart(request: FastifyRequest, spec: MultipartBody): Promise<MultipartUpload> {
  if (!request.isMultipart()) {
    throw new ValidationError({
      message: 'This endpoint takes a multipart/form-data body.',
      details: `Send the ${spec.fileWhat} as a "file" part and the JSON parameters as a "data" part.`,
    });
  }
  let file: MultipartUpload['file'] | undefined;
  let dataText: string | undefined;
  const parts = request.parts({
    limits: {
      fileSize: spec.fileSizeBytesMax,
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
          throw new PayloadTooLargeError({ what: spec.fileWhat, sizeBytesMax: spec.fileSizeBytesMax });
        throw error;
      }
      if (part.file.truncated)
        throw new PayloadTooLargeError({ what: spec.fileWhat, sizeBytesMax: spec.fileSizeBytesMax });
      file = { filename: checkFilename(part.filename), bytes };
    } else if (part.fieldname === 'data') {
      if (part.valueTruncated)
        throw new PayloadTooLargeError({ what: 'data field', sizeBytesMax: JSON_BODY_SIZE_BYTES_MAX });
      dataText = String(part.value);
    }
  }
  if (file === undefined) {
    throw new ValidationError({
      message: 'The request holds no file.',
      details: `Send the ${spec.fileWhat} as a multipart part named "file".`,
    });
  }
  return { file, data: checkData(parseData(dataText), spec) };
}

function checkFilename(filename: string): string {
  if (filename.length > NAME_LENGTH_MAX || filename.includes('\u0000'))
    throw new ValidationError({
      message: `The file's name is not usable: at most ${NAME_LENGTH_MAX} characters, and no NUL character.`,
      details: 'Rename the file, or name the upload in the data field.',
    });
  return filename;
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

function checkData(value: unknown, spec: MultipartBody): unknown {
  if (value === undefined) {
    if (!spec.dataRequired) return undefined;
    throw new ValidationError({
      message: 'The request has no "data" field.',
      details: `Send the parameters as a multipart field named "data" holding JSON like ${spec.dataExample}.`,
    });
  }
  let checker = checkers.get(spec.data);
  if (checker === undefined) {
    checker = TypeCompiler.Compile(spec.data);
    checkers.set(spec.data, checker);
  }
  if (checker.Check(value)) {
    const hostile = findHostileValue(value);
    if (hostile !== undefined)
      throw new ValidationError({ message: `The "data" field is invalid at data${hostile}.` });
    return value;
  }
  const first = checker.Errors(value).First();
  const where = first === undefined || first.path === '' ? 'data' : `data${first.path.replace(/\//g, '.')}`;
  throw new ValidationError({
    message: `The "data" field is invalid at ${where}: ${first?.message.toLowerCase() ?? 'it does not match'}.`,
    details: `Send it as JSON like ${spec.dataExample}.`,
  });
}
