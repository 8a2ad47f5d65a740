import { type TSchema, Type } from '@sinclair/typebox';

/** Seed 004's error body: `{"status":"error","error_code","error_message"}`. */
export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal('error'),
    error_code: Type.String({ description: 'A stable code; the README lists them all.' }),
    error_message: Type.String({ description: 'What went wrong and what to do about it.' }),
  },
  { $id: 'ErrorEnvelope', description: 'An error.' },
);

/** Seed 004's success body, `{"status":"success","data":...}`, around the given data schema. */
export function successEnvelope<T extends TSchema>(data: T) {
  return Type.Object({ status: Type.Literal('success'), data });
}

/** The response schemas of a JSON route: its success body and the error envelope for every failure. */
export function jsonResponses<T extends TSchema>(data: T) {
  return { 200: successEnvelope(data), '4xx': Type.Ref(ErrorEnvelope), '5xx': Type.Ref(ErrorEnvelope) };
}

/** The response schemas of a route that answers with a file. */
export function fileResponses(contentType: string, description: string) {
  return {
    200: {
      description,
      content: { [contentType]: { schema: { type: 'string', format: 'binary' } } },
    },
    '4xx': Type.Ref(ErrorEnvelope),
    '5xx': Type.Ref(ErrorEnvelope),
  };
}

/** Builds a success body. */
export function success<T>(data: T): { status: 'success'; data: T } {
  return { status: 'success', data };
}
