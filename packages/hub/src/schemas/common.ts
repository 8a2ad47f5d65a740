import { NAME_LENGTH_MAX, PAGE_LIMIT_MAX, PAGE_NUMBER_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';

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

/** Ids are UUID strings; a malformed one is simply not found, as in seed 004. */
const Id = Type.String({ maxLength: 64 });

export const ProgramIdParams = Type.Object({ program_id: Id });
export const OrganizationIdParams = Type.Object({ organization_id: Id });
export const ProgramGroupParams = Type.Object({ program_id: Id, input_group_id: Id });

export const ProgramSummarySchema = Type.Object({
  organization_id: Type.String(),
  program_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  input_lock_timeout: Type.Integer({ description: 'Seconds a reservation (lease) lasts.' }),
});

export const ProgramPageSchema = Type.Object({
  programs: Type.Array(ProgramSummarySchema),
  total_elements_amount: Type.Integer(),
});

const NaiveDatetime = Type.Union([
  Type.String({ description: 'UTC, `YYYY-MM-DDTHH:MM:SS` (seed 004 form).' }),
  Type.Null(),
]);

export const InputGroupPageSchema = Type.Object({
  program_input_groups: Type.Array(
    Type.Object({
      input_group_id: Type.String(),
      program_id: Type.String(),
      name: Type.String(),
      last_reserved: NaiveDatetime,
      proven_datetime: NaiveDatetime,
      verified_datetime: NaiveDatetime,
      lease_expires_at: Type.Union([
        Type.String({ description: 'RFC 3339, while a lease is active.' }),
        Type.Null(),
      ]),
      value_count: Type.Integer(),
    }),
  ),
  total_elements_amount: Type.Integer(),
});
