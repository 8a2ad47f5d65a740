import { HubApiError, NotLoggedInError } from '@proofgrid/client';
import { type ErrorAction, isProofGridError } from '@proofgrid/core';

/**
 * What to run to fix an error, per action the hub names: the command line's words for what the hub's
 * answer says in HTTP terms, so that no message here names a route.
 */
const ACTION_COMMANDS: Record<ErrorAction, string> = {
  login: 'Log in again: proofgrid account login --username <u>',
  register_account: 'Register first: proofgrid account register --username <u> --name <organization>',
  refresh_token: 'Log in again: proofgrid account login --username <u>',
  list_programs: 'Your programs: proofgrid program list',
  list_organizations: 'The organizations: proofgrid org list',
  list_input_groups: "The program's input groups: proofgrid input list <program>",
  list_pending_proofs: 'Results awaiting you: proofgrid task list <program> --state proven',
  delete_program: 'Delete the old one: proofgrid program delete <program>',
  delete_input_group: 'Delete the group: proofgrid input delete <program> <group>',
  show_task: 'Look at the task: proofgrid task show <program> <group>',
  reserve_again: 'Reserve new work and submit before its lease runs out.',
  lease_again: 'A running worker asks for new work by itself.',
  copy_lease_ids: 'Copy the ids from the lease of the reservation.',
  register_worker: 'Start a worker: proofgrid worker start',
  see_template: 'A complete example: proofgrid program init <dir>',
  retry_later: 'Try again in a moment.',
};

/** An error as one message for the command line, with what to run about it; never an HTTP route. */
export function describeError(error: unknown): string {
  if (error instanceof HubApiError) {
    const hint = error.action === null ? '' : ` ${ACTION_COMMANDS[error.action]}`;
    return `${error.detail}${hint} [${error.code}]`;
  }
  if (error instanceof NotLoggedInError)
    return `Not logged in to ${error.hubUrl}. Run: proofgrid account login --hub ${error.hubUrl} --username <u>`;
  if (isProofGridError(error)) {
    const hint = error.action === undefined ? '' : ` ${ACTION_COMMANDS[error.action]}`;
    return `${error.message}${hint} [${error.code}]`;
  }
  return error instanceof Error ? error.message : String(error);
}
