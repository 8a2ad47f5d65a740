import {
  ERROR_ACTIONS,
  ERROR_CODES,
  NAME_LENGTH_MAX,
  PAGE_LIMIT_MAX,
  PAGE_NUMBER_MAX,
} from '@proofgrid/core';
import { type TSchema, Type } from '@sinclair/typebox';

/** Ids are UUID strings; a malformed one is simply not found, as in seed 004. */
export const Id = Type.String({ maxLength: 64 });

export const ProgramIdParams = Type.Object({ program_id: Id });
export const OrganizationIdParams = Type.Object({ organization_id: Id });
export const ProgramGroupParams = Type.Object({ program_id: Id, input_group_id: Id });
export const ReplicaParams = Type.Object({ replica_id: Id });

/** Seed 004's paging: `limit` 1..50 (larger values are clamped to 50), `page` from 1. */
export const PageQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: `Page size, clamped to 1..${PAGE_LIMIT_MAX}.`,
    }),
  ),
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: PAGE_NUMBER_MAX, description: 'Page number, from 1.' }),
  ),
});

export const NameFilterQuery = Type.Object({
  ...PageQuery.properties,
  name_filter: Type.Optional(
    Type.String({ maxLength: NAME_LENGTH_MAX, description: 'Only names starting with this.' }),
  ),
});

/** Seed 004's datetimes: UTC without a zone, `YYYY-MM-DDTHH:MM:SS`. */
export const NaiveDatetime = Type.Union([
  Type.String({ description: 'UTC, `YYYY-MM-DDTHH:MM:SS` (seed 004 form).' }),
  Type.Null(),
]);

/** ProofGrid's own datetimes: RFC 3339 in UTC. */
export const Timestamp = Type.String({ description: 'RFC 3339, UTC.' });
export const OptionalTimestamp = Type.Union([Timestamp, Type.Null()]);

/** `T | null`. */
export function Nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Union([schema, Type.Null()], options);
}

/**
 * Seed 004's error body, `{"status":"error","error_code","error_message"}`, plus two fields for clients
 * that speak for themselves: `error_detail` is the message without hints that name routes, and
 * `error_action` says in one word what would fix it, so a command line can name its own command.
 */
export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal('error'),
    error_code: Type.Union(
      ERROR_CODES.map((code) => Type.Literal(code)),
      { description: 'A stable code; the README lists them all.' },
    ),
    error_message: Type.String({ description: 'What went wrong and what to do about it.' }),
    error_detail: Type.Optional(Type.String({ description: 'The message without the HTTP hint.' })),
    error_action: Type.Optional(
      Type.Union([...ERROR_ACTIONS.map((action) => Type.Literal(action)), Type.Null()], {
        description: 'What would fix it, as a word a client can turn into its own instruction.',
      }),
    ),
  },
  { $id: 'ErrorEnvelope', description: 'An error.' },
);

/** Seed 004's success body, `{"status":"success","data":...}`, around the given data schema. */
export function successEnvelope<T extends TSchema>(data: T) {
  return Type.Object({ status: Type.Literal('success'), data });
}
