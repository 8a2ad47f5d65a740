/**
 * What would fix an error, as one word. Errors are written in the domain's terms; each surface turns the
 * action into its own instruction: the hub names a route (`http/actionHints.ts`), the command line names a
 * command. So a message never tells a command-line user to send an HTTP request.
 */
export const ERROR_ACTIONS = [
  /** Log in (again). */
  'login',
  /** Register an account first. */
  'register_account',
  /** Refresh the basic token. */
  'refresh_token',
  /** List your programs to find the right id or name. */
  'list_programs',
  /** List the organizations. */
  'list_organizations',
  /** List the program's input groups. */
  'list_input_groups',
  /** List the results awaiting your judgement. */
  'list_pending_proofs',
  /** Delete the program (to reuse its name). */
  'delete_program',
  /** Delete the input group (to reuse its name, or to run it anew). */
  'delete_input_group',
  /** Look at the task: its state, replicas and history. */
  'show_task',
  /** Reserve new work and submit before its lease runs out. */
  'reserve_again',
  /** Ask for a new lease. */
  'lease_again',
  /** Copy the ids from the reservation's lease. */
  'copy_lease_ids',
  /** Register the worker's key. */
  'register_worker',
  /** See the program template for a complete example. */
  'see_template',
  /** Nothing is wrong with the request: try again later. */
  'retry_later',
] as const;

export type ErrorAction = (typeof ERROR_ACTIONS)[number];
