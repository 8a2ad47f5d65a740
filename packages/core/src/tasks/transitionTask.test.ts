import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isTaskDone,
  isTaskOpen,
  TASK_EVENTS,
  TASK_STATES,
  type TaskEvent,
  type TaskState,
  transitionTask,
} from './transitionTask.ts';

/** Every (state, event) pair and what it must give: the table restated independently, row by row. */
const EXPECTED: Record<TaskState, Record<TaskEvent, string>> = {
  open: {
    result_accepted: '→ verified',
    result_proposed: '→ proven',
    failure_agreed: '→ failed',
    quorum_impossible: '→ failed',
    owner_confirmed: '✗ no_result',
    owner_rejected: '✗ no_result',
    cancelled: '→ cancelled',
    retried: '✗ not_ended',
    deadline_claimed: '→ failed',
  },
  proven: {
    result_accepted: '✗ already_ended',
    result_proposed: '✗ already_ended',
    failure_agreed: '✗ already_ended',
    quorum_impossible: '✗ already_ended',
    owner_confirmed: '→ confirmed',
    owner_rejected: '→ open',
    cancelled: '→ cancelled',
    retried: '✗ not_ended',
    deadline_claimed: '→ failed',
  },
  verified: {
    result_accepted: '✗ already_ended',
    result_proposed: '✗ already_ended',
    failure_agreed: '✗ already_ended',
    quorum_impossible: '✗ already_ended',
    owner_confirmed: '→ confirmed',
    owner_rejected: '→ open',
    cancelled: '✗ already_ended',
    retried: '✗ not_ended',
    deadline_claimed: '✗ already_ended',
  },
  confirmed: {
    result_accepted: '✗ already_ended',
    result_proposed: '✗ already_ended',
    failure_agreed: '✗ already_ended',
    quorum_impossible: '✗ already_ended',
    owner_confirmed: '→ confirmed',
    owner_rejected: '✗ already_confirmed',
    cancelled: '✗ already_ended',
    retried: '✗ already_confirmed',
    deadline_claimed: '✗ already_ended',
  },
  failed: {
    result_accepted: '✗ already_ended',
    result_proposed: '✗ already_ended',
    failure_agreed: '✗ already_ended',
    quorum_impossible: '✗ already_ended',
    owner_confirmed: '✗ no_result',
    owner_rejected: '✗ no_result',
    cancelled: '✗ already_ended',
    retried: '→ open',
    deadline_claimed: '✗ already_ended',
  },
  cancelled: {
    result_accepted: '✗ already_ended',
    result_proposed: '✗ already_ended',
    failure_agreed: '✗ already_ended',
    quorum_impossible: '✗ already_ended',
    owner_confirmed: '✗ no_result',
    owner_rejected: '✗ no_result',
    cancelled: '✗ already_ended',
    retried: '→ open',
    deadline_claimed: '✗ already_ended',
  },
};

const show = (state: TaskState, event: TaskEvent) => {
  const transition = transitionTask(state, event);
  return transition.ok ? `→ ${transition.state}` : `✗ ${transition.refusal}`;
};

describe('transitionTask', () => {
  for (const state of TASK_STATES) {
    for (const event of TASK_EVENTS) {
      it(`${state} + ${event} ${EXPECTED[state][event]}`, () => {
        assert.equal(show(state, event), EXPECTED[state][event]);
      });
    }
  }

  it('takes results only while open, so nothing is decided twice', () => {
    for (const state of TASK_STATES) {
      for (const event of ['result_accepted', 'result_proposed', 'failure_agreed'] as const)
        assert.equal(transitionTask(state, event).ok, isTaskOpen(state), `${state} + ${event}`);
    }
  });

  it('never leaves a confirmed result except to itself', () => {
    for (const event of TASK_EVENTS) {
      const transition = transitionTask('confirmed', event);
      assert.ok(!transition.ok || transition.state === 'confirmed', event);
    }
  });

  it('reaches every state from open, and back to open from every ended state but confirmed', () => {
    const reached = new Set<TaskState>(['open']);
    for (let round = 0; round < TASK_STATES.length; round++)
      for (const state of [...reached])
        for (const event of TASK_EVENTS) {
          const transition = transitionTask(state, event);
          if (transition.ok) reached.add(transition.state);
        }
    assert.deepEqual([...reached].sort(), [...TASK_STATES].sort());
    for (const state of TASK_STATES.filter(isTaskDone)) {
      const back = TASK_EVENTS.some((event) => {
        const transition = transitionTask(state, event);
        return transition.ok && transition.state === 'open';
      });
      assert.equal(back, state !== 'confirmed', state);
    }
  });
});
