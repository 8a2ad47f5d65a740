/**
 * The task state machine every program kind shares (seed 004's reservation programs, wasm, noir). A task is
 * one execution of a program on one input group; its replicas (leases to workers or anonymous donors) come
 * and go inside `open`, and only the events below move it between states. The table is the whole truth:
 * the hub applies a transition only through {@link transitionTask} and records it in the same transaction.
 */

export const TASK_STATES = ['open', 'proven', 'verified', 'confirmed', 'failed', 'cancelled'] as const;
/**
 * - `open`: it needs results (queued, or leased while a replica runs).
 * - `proven`: a result awaits its organization's judgement (a program the hub cannot check itself).
 * - `verified`: a result was accepted by its verification policy.
 * - `confirmed`: its organization confirmed the result; it is kept until the group is deleted.
 * - `failed`: the program failed on this input (agreed by the replicas or checked by the hub), or no
 *   result could win.
 * - `cancelled`: its organization stopped it before it finished.
 */
export type TaskState = (typeof TASK_STATES)[number];

export const TASK_EVENTS = [
  'result_accepted',
  'result_proposed',
  'failure_agreed',
  'quorum_impossible',
  'owner_confirmed',
  'owner_rejected',
  'cancelled',
  'retried',
  'deadline_claimed',
] as const;
/**
 * - `result_accepted`: the policy accepted a result (quorum, a verified proof, the first under `none`).
 * - `result_proposed`: a result arrived for a program whose organization verifies results itself.
 * - `failure_agreed`: the program failed the same way on the replicas the policy needs (or the hub saw
 *   it fail too).
 * - `quorum_impossible`: replicas disagreed and the policy allows no more.
 * - `owner_confirmed`, `owner_rejected`: the organization's word on a result.
 * - `cancelled`, `retried`: the organization stops an unfinished task, or runs an ended one again.
 * - `deadline_claimed`: a market task passed its final deadline unfinished and was claimed (PoCo's claim):
 *   it fails, its requester is refunded.
 */
export type TaskEvent = (typeof TASK_EVENTS)[number];

/** Why an event does not apply to a task in its state; the hub turns each into its error code. */
export type TaskRefusal =
  /** There is no result to judge (yet). */
  | 'no_result'
  /** A confirmed result is kept; it cannot be rejected or run again. */
  | 'already_confirmed'
  /** The task has ended (verified, failed or cancelled); it takes no more results or cancellation. */
  | 'already_ended'
  /** Only an ended task (failed or cancelled) can be run again. */
  | 'not_ended';

export type TaskTransition = { ok: true; state: TaskState } | { ok: false; refusal: TaskRefusal };

/** `TABLE[state][event]`: the next state, or why the event is refused. */
const TABLE: Record<TaskState, Record<TaskEvent, TaskState | TaskRefusal>> = {
  open: {
    result_accepted: 'verified',
    result_proposed: 'proven',
    failure_agreed: 'failed',
    quorum_impossible: 'failed',
    owner_confirmed: 'no_result',
    owner_rejected: 'no_result',
    cancelled: 'cancelled',
    retried: 'not_ended',
    deadline_claimed: 'failed',
  },
  proven: {
    result_accepted: 'already_ended',
    result_proposed: 'already_ended',
    failure_agreed: 'already_ended',
    quorum_impossible: 'already_ended',
    owner_confirmed: 'confirmed',
    owner_rejected: 'open',
    cancelled: 'cancelled',
    retried: 'not_ended',
    deadline_claimed: 'failed',
  },
  verified: {
    result_accepted: 'already_ended',
    result_proposed: 'already_ended',
    failure_agreed: 'already_ended',
    quorum_impossible: 'already_ended',
    owner_confirmed: 'confirmed',
    owner_rejected: 'open',
    cancelled: 'already_ended',
    retried: 'not_ended',
    deadline_claimed: 'already_ended',
  },
  confirmed: {
    result_accepted: 'already_ended',
    result_proposed: 'already_ended',
    failure_agreed: 'already_ended',
    quorum_impossible: 'already_ended',
    // Confirming twice is harmless (seed 004 answered success), so it is a transition to itself.
    owner_confirmed: 'confirmed',
    owner_rejected: 'already_confirmed',
    cancelled: 'already_ended',
    retried: 'already_confirmed',
    deadline_claimed: 'already_ended',
  },
  failed: {
    result_accepted: 'already_ended',
    result_proposed: 'already_ended',
    failure_agreed: 'already_ended',
    quorum_impossible: 'already_ended',
    owner_confirmed: 'no_result',
    owner_rejected: 'no_result',
    cancelled: 'already_ended',
    retried: 'open',
    deadline_claimed: 'already_ended',
  },
  cancelled: {
    result_accepted: 'already_ended',
    result_proposed: 'already_ended',
    failure_agreed: 'already_ended',
    quorum_impossible: 'already_ended',
    owner_confirmed: 'no_result',
    owner_rejected: 'no_result',
    cancelled: 'already_ended',
    retried: 'open',
    deadline_claimed: 'already_ended',
  },
};

const STATES = new Set<string>(TASK_STATES);

/**
 * The state a task in `state` moves to on `event`, or why the event is refused. Pure; the scheduler, the
 * organization's routes and the simulation all go through it.
 *
 * @example
 * transitionTask('open', 'result_accepted'); // → { ok: true, state: 'verified' }
 * transitionTask('confirmed', 'owner_rejected'); // → { ok: false, refusal: 'already_confirmed' }
 */
export function transitionTask(state: TaskState, event: TaskEvent): TaskTransition {
  const next = TABLE[state][event];
  return STATES.has(next)
    ? { ok: true, state: next as TaskState }
    : { ok: false, refusal: next as TaskRefusal };
}

/** Whether a task in this state takes results and leases: only an open one. */
export function isTaskOpen(state: TaskState): boolean {
  return state === 'open';
}

/** Whether a task in this state has ended for good unless its organization acts (retry, reject). */
export function isTaskDone(state: TaskState): boolean {
  return state === 'verified' || state === 'confirmed' || state === 'failed' || state === 'cancelled';
}
