import { ProofGridError, type TaskRefusal, type TaskState } from '@proofgrid/core';

/**
 * The hub's named errors. They speak of programs, tasks and leases, never of routes: each carries an
 * `action`, which the HTTP layer turns into a route to call and the command line into a command to run.
 * HTTP statuses are not here either: `http/errorStatus.ts` maps codes to them.
 */

export class ProgramNotFoundError extends ProofGridError {
  override name = 'ProgramNotFoundError';
  constructor({ programId }: { programId: string }) {
    super('PROGRAM_NOT_FOUND', {
      shortMessage: `No program ${programId} exists among the programs you may use.`,
      details: 'Check the id against your programs.',
      action: 'list_programs',
    });
  }
}

export class AccountNotFoundError extends ProofGridError {
  override name = 'AccountNotFoundError';
  constructor({ organizationId }: { organizationId: string }) {
    super('ACCOUNT_NOT_FOUND', {
      shortMessage: `No organization ${organizationId} exists.`,
      details: 'Check the id against the organizations.',
      action: 'list_organizations',
    });
  }
}

export class InputGroupNotFoundError extends ProofGridError {
  override name = 'InputGroupNotFoundError';
  constructor({ inputGroupId, programId }: { inputGroupId: string; programId: string }) {
    super('INPUT_GROUP_NOT_FOUND', {
      shortMessage: `Program ${programId} has no input group ${inputGroupId}.`,
      details: "Check the id against the program's input groups.",
      action: 'list_input_groups',
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
      action: 'retry_later',
    });
  }
}

export class ProofNotFoundError extends ProofGridError {
  override name = 'ProofNotFoundError';
  constructor({
    inputGroupId,
    state,
    reason,
  }: { inputGroupId: string; state: TaskState; reason?: string | null }) {
    super('PROOF_NOT_FOUND', {
      shortMessage: `Input group ${inputGroupId} holds no result to show or judge: its task is ${state}${reason ? ` (${reason})` : ''}.`,
      details: 'Results appear once a task is verified, or proven for a program you verify yourself.',
      action: 'show_task',
    });
  }
}

export class InvalidTokenError extends ProofGridError {
  override name = 'InvalidTokenError';
  constructor({ reason, expired = false }: { reason: string; expired?: boolean }) {
    super('INVALID_TOKEN', {
      shortMessage: `The token is not valid: ${reason}.`,
      details: expired
        ? 'Basic tokens last 15 minutes: trade the refresh token for a new one.'
        : 'Send the basic token from your login, or log in again.',
      action: expired ? 'refresh_token' : 'login',
    });
  }
}

/** A lease that can no longer take a result (expired, replaced, used, or its task decided). */
export class LeaseNotActiveError extends ProofGridError {
  override name = 'LeaseNotActiveError';
  constructor({ leaseId, reason, donor = false }: { leaseId: string; reason: string; donor?: boolean }) {
    super('LEASE_NOT_ACTIVE', {
      shortMessage: `Lease ${leaseId} is not an active lease: ${reason}.`,
      details:
        'This result can no longer be accepted under it. Take new work and submit before its lease expires.',
      action: donor ? 'reserve_again' : 'lease_again',
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
      details: 'The organization may also have deleted the group.',
      action: 'copy_lease_ids',
    });
  }
}

/**
 * A submission whose evidence was judged invalid: the judgement is recorded (it counts against its
 * worker) before this is thrown, and the task goes on without it.
 */
export class SubmissionRejectedError extends ProofGridError {
  override name = 'SubmissionRejectedError';
  constructor({ code, reason }: { code: 'PROOF_REJECTED' | 'SUBMISSION_REJECTED'; reason: string }) {
    super(code, {
      shortMessage: `The submission is rejected: ${reason}.`,
      details: 'This counts against the worker that submitted it; the task goes to another worker.',
    });
  }
}

/**
 * Evidence that could not be checked: the verifier, the storage or the database failed, not the evidence.
 * Nothing was recorded and nobody is blamed; the same submission may be sent again.
 */
export class VerifierUnavailableError extends ProofGridError {
  override name = 'VerifierUnavailableError';
  constructor({ reason, fix }: { reason: string; fix: string }) {
    super('VERIFIER_UNAVAILABLE', {
      shortMessage: `The hub could not check this submission: ${reason}. Nothing was recorded and nobody is blamed.`,
      details: fix,
      action: 'retry_later',
    });
  }
}

const REFUSALS: Record<TaskRefusal, (state: TaskState) => string> = {
  no_result: (state) => `it holds no result to judge (it is ${state})`,
  already_confirmed: () => 'its result was confirmed, and a confirmed result is kept',
  already_ended: (state) => `it has ended (${state})`,
  not_ended: (state) => `only a failed or cancelled task can run again, and it is ${state}`,
};

/** An organization's action that the task's state refuses (core's transition table says why). */
export class TaskStateConflictError extends ProofGridError {
  override name = 'TaskStateConflictError';
  constructor({
    inputGroupId,
    state,
    refusal,
  }: { inputGroupId: string; state: TaskState; refusal: TaskRefusal }) {
    const reason = REFUSALS[refusal](state);
    const code =
      refusal === 'already_confirmed'
        ? 'PROOF_ALREADY_CONFIRMED'
        : refusal === 'no_result'
          ? 'PROOF_NOT_FOUND'
          : 'TASK_STATE_CONFLICT';
    super(code, {
      shortMessage: `The task of input group ${inputGroupId} cannot do that: ${reason}.`,
      details:
        refusal === 'already_confirmed'
          ? 'To run the group again, delete it and upload its inputs anew.'
          : 'Look at the task to see its state and history.',
      action: refusal === 'already_confirmed' ? 'delete_input_group' : 'show_task',
    });
  }
}
