import { ProofGridError } from '@proofgrid/core';

/** The hub's named errors. HTTP statuses are not here: `http/errorStatus.ts` maps codes to them. */

export class ProgramNotFoundError extends ProofGridError {
  override name = 'ProgramNotFoundError';
  constructor({ programId }: { programId: string }) {
    super('PROGRAM_NOT_FOUND', {
      shortMessage: `No program ${programId} exists among the programs you may use.`,
      details: 'Check the id (GET /program/mine lists yours, GET /program/all every program).',
    });
  }
}

export class AccountNotFoundError extends ProofGridError {
  override name = 'AccountNotFoundError';
  constructor({ organizationId }: { organizationId: string }) {
    super('ACCOUNT_NOT_FOUND', {
      shortMessage: `No organization ${organizationId} exists.`,
      details: 'GET /account/organizations lists the organizations.',
    });
  }
}

export class InputGroupNotFoundError extends ProofGridError {
  override name = 'InputGroupNotFoundError';
  constructor({ inputGroupId, programId }: { inputGroupId: string; programId: string }) {
    super('INPUT_GROUP_NOT_FOUND', {
      shortMessage: `Program ${programId} has no input group ${inputGroupId}.`,
      details: 'GET /program/inputs/all/{program_id} lists the input groups of your program.',
    });
  }
}

export class NoInputGroupAvailableError extends ProofGridError {
  override name = 'NoInputGroupAvailableError';
  constructor({ programId, counts }: { programId: string; counts: Record<string, number> }) {
    const summary = Object.entries(counts)
      .map(([state, count]) => `${count} ${state}`)
      .join(', ');
    super('INPUT_GROUP_NOT_FOUND', {
      shortMessage: `Program ${programId} has no input group available to reserve (${summary}).`,
      details: 'Leased groups come back when their lease expires; try again later or pick another program.',
    });
  }
}

export class ProofNotFoundError extends ProofGridError {
  override name = 'ProofNotFoundError';
  constructor({ inputGroupId }: { inputGroupId: string }) {
    super('PROOF_NOT_FOUND', {
      shortMessage: `Input group ${inputGroupId} holds no uploaded proof.`,
      details: 'GET /program/proofs/{program_id} lists the groups whose proof awaits your verification.',
    });
  }
}

export class InvalidTokenError extends ProofGridError {
  override name = 'InvalidTokenError';
  constructor({ reason, details }: { reason: string; details?: string }) {
    super('INVALID_TOKEN', {
      shortMessage: `The token is not valid: ${reason}.`,
      details:
        details ??
        'Send the basic token from POST /account/login in the `token` header; refresh it with POST /account/refresh-token.',
    });
  }
}

export class LeaseNotActiveError extends ProofGridError {
  override name = 'LeaseNotActiveError';
  constructor({ leaseId, reason }: { leaseId: string; reason: string }) {
    super('LEASE_NOT_ACTIVE', {
      shortMessage: `Lease ${leaseId} is not an active lease on this input group: ${reason}.`,
      details:
        'This result can no longer be accepted for this group. Reserve new work (GET /program/program-and-inputs/{program_id}) and upload before its lease expires.',
    });
  }
}

export class ValidationError extends ProofGridError {
  override name = 'ValidationError';
  constructor({ message, details }: { message: string; details?: string }) {
    super('VALIDATION_FAILED', {
      shortMessage: message,
      details: details ?? 'Fix the request as the message says and send it again.',
    });
  }
}

/** A donor's proof names a group that its organization and program do not have (any more). */
export class DonorGroupNotFoundError extends ProofGridError {
  override name = 'DonorGroupNotFoundError';
  constructor({
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string }) {
    super('INPUT_GROUP_NOT_FOUND', {
      shortMessage: `Organization ${organizationId} has no input group ${inputGroupId} in program ${programId}.`,
      details:
        'Copy organization_id, program_id and input_group_id from the lease.json of the reservation; the organization may also have deleted the group.',
    });
  }
}
