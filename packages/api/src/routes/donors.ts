import { PROOF_SIZE_BYTES_MAX } from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { Id, ProgramIdParams } from '../schemas/common.ts';

/**
 * Seed 004's donor routes: anyone may reserve an input group of a program its organization verifies
 * itself, run it with their own executor, and upload the proof under the lease.
 */

const LeaseHeaders = Type.Object({
  'proofgrid-lease-id': Type.String(),
  'proofgrid-lease-expires-at': Type.String({ description: 'RFC 3339.' }),
  'proofgrid-input-group-id': Type.String(),
});
const LEASE_HEADERS_DESCRIPTION =
  'The lease travels in the headers ProofGrid-Lease-Id, ProofGrid-Lease-Expires-At (RFC 3339) and ProofGrid-Input-Group-Id; the proof upload must name the lease id.';

export const reserveInputs = defineRoute({
  id: 'reserveInputs',
  method: 'GET',
  path: '/program/inputs/:program_id',
  auth: 'none',
  tags: ['reservation'],
  summary: 'Reserve an input group and download its CSV',
  description: `Leases the next available group for the program's input_lock_timeout. ${LEASE_HEADERS_DESCRIPTION}`,
  params: ProgramIdParams,
  reply: {
    kind: 'file',
    contentType: 'text/csv',
    description: "The group's values, one base64 value per row.",
    headers: LeaseHeaders,
  },
});

export const reserveProgramAndInputs = defineRoute({
  id: 'reserveProgramAndInputs',
  method: 'GET',
  path: '/program/program-and-inputs/:program_id',
  auth: 'none',
  tags: ['reservation'],
  summary: 'Reserve an input group and download it with the program',
  description: `A tar holding {program_id}.tar, {input_group_id}.csv and lease.json. ${LEASE_HEADERS_DESCRIPTION}`,
  params: ProgramIdParams,
  reply: {
    kind: 'file',
    contentType: 'application/x-tar',
    description: 'Program, inputs and lease.',
    headers: LeaseHeaders,
  },
});

export const uploadProof = defineRoute({
  id: 'uploadProof',
  method: 'POST',
  path: '/program/proof',
  auth: 'none',
  tags: ['proof'],
  summary: "Upload a donor's proof for a reserved input group",
  description: `multipart/form-data: \`file\` = the proof (at most ${PROOF_SIZE_BYTES_MAX} bytes), \`data\` = JSON {organization_id, program_id, input_group_id, lease_id}. Accepted only under the active lease on that group, once. For a Noir program no lease is needed: the file is JSON {proof, public_inputs}, accepted when it verifies against the program's key with exactly the group's inputs.`,
  multipart: {
    fileWhat: 'proof file',
    fileSizeBytesMax: PROOF_SIZE_BYTES_MAX,
    data: Type.Object({
      organization_id: Type.String({ minLength: 1, maxLength: 64 }),
      program_id: Type.String({ minLength: 1, maxLength: 64 }),
      input_group_id: Type.String({ minLength: 1, maxLength: 64 }),
      lease_id: Type.Optional(Id),
    }),
    dataRequired: true,
    dataExample: '{"organization_id":"...","program_id":"...","input_group_id":"...","lease_id":"..."}',
  },
  reply: { kind: 'json', data: Type.Null() },
});
