import type { ErrorAction } from '@proofgrid/core';

/**
 * What each error action means to an API client: the route that fixes it. Errors name actions, not routes
 * (see `core/src/errors/actions.ts`); this is the only place that turns them into HTTP.
 */
export const ACTION_HINTS: Record<ErrorAction, string> = {
  login: 'Log in with POST /account/login.',
  register_account: 'Register first with POST /account/register if you have no account.',
  refresh_token: 'Refresh the basic token with POST /account/refresh-token.',
  list_programs: 'GET /program/mine lists your programs, GET /program/all every program.',
  list_organizations: 'GET /account/organizations lists the organizations.',
  list_input_groups: 'GET /program/inputs/all/{program_id} lists the input groups of your program.',
  list_pending_proofs:
    'GET /program/proofs/{program_id} lists the groups whose result awaits your verification.',
  delete_program: 'Delete the old program with DELETE /program/{program_id}.',
  delete_input_group: 'Delete the group with DELETE /program/input/{program_id}/{input_group_id}.',
  show_task: 'GET /program/{program_id}/tasks/{input_group_id} shows the task, its replicas and its history.',
  reserve_again: 'Reserve new work with GET /program/program-and-inputs/{program_id}.',
  lease_again: 'Ask for new work with POST /worker/lease.',
  copy_lease_ids:
    'Copy organization_id, program_id, input_group_id and lease_id from the lease.json (or the ProofGrid-* headers) of the reservation.',
  register_worker: 'Register the worker with POST /worker/register and use the worker_id it returns.',
  see_template: 'GET /program/template (or ?runtime=noir) serves a complete example.',
  retry_later: 'Send the same request again later.',
};
