import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { PageQuery, ProgramGroupParams, ProgramIdParams } from '../schemas/common.ts';
import { Progress, TaskDetails, TaskPage, TaskState, Verdict } from '../schemas/entities.ts';

/** The organization's view of its tasks: progress, each task's story, results, and what it can do. */

export const programProgress = defineRoute({
  id: 'programProgress',
  method: 'GET',
  path: '/program/:program_id/progress',
  auth: 'organization',
  tags: ['task'],
  summary: "Your program's tasks by state, and why open ones are not running",
  params: ProgramIdParams,
  reply: { kind: 'json', data: Progress },
});

export const listTasks = defineRoute({
  id: 'listTasks',
  method: 'GET',
  path: '/program/:program_id/tasks',
  auth: 'organization',
  tags: ['task'],
  summary: "Your program's tasks, oldest first, optionally of one state",
  params: ProgramIdParams,
  query: Type.Object({ ...PageQuery.properties, state: Type.Optional(TaskState) }),
  reply: { kind: 'json', data: TaskPage },
});

export const showTask = defineRoute({
  id: 'showTask',
  method: 'GET',
  path: '/program/:program_id/tasks/:input_group_id',
  auth: 'organization',
  tags: ['task'],
  summary: 'One task: its state, replicas with their workers, runs, judgements, history, and why it waits',
  params: ProgramGroupParams,
  reply: { kind: 'json', data: TaskDetails },
});

export const cancelJob = defineRoute({
  id: 'cancelJob',
  method: 'POST',
  path: '/program/:program_id/cancel',
  auth: 'organization',
  tags: ['task'],
  summary:
    'Cancel every unfinished task of your program; running replicas are told to stop at their next heartbeat',
  params: ProgramIdParams,
  reply: { kind: 'json', data: Type.Object({ cancelled: Type.Integer() }) },
});

export const retryTask = defineRoute({
  id: 'retryTask',
  method: 'POST',
  path: '/program/:program_id/tasks/:input_group_id/retry',
  auth: 'organization',
  tags: ['task'],
  summary: 'Run a failed or cancelled task again, from scratch (a new attempt)',
  params: ProgramGroupParams,
  reply: { kind: 'json', data: Type.Object({ state: TaskState, attempt: Type.Integer() }) },
});

export const taskResult = defineRoute({
  id: 'taskResult',
  method: 'GET',
  path: '/program/:program_id/results/:input_group_id',
  auth: 'organization',
  tags: ['task'],
  summary: 'The verified output of a task (its verdict in the ProofGrid-Verdict header, JSON)',
  params: ProgramGroupParams,
  reply: {
    kind: 'file',
    contentType: 'application/octet-stream',
    description: 'The output bytes of the accepted result.',
    headers: Type.Object({ 'proofgrid-verdict': Verdict }),
  },
});

export const taskProof = defineRoute({
  id: 'taskProof',
  method: 'GET',
  path: '/program/:program_id/results/:input_group_id/proof',
  auth: 'organization',
  tags: ['task'],
  summary:
    "A verified Noir task's proof, public inputs, result and the program's verification key: check it yourself",
  params: ProgramGroupParams,
  reply: {
    kind: 'json',
    data: Type.Object({
      name: Type.String(),
      proof: Type.String({ description: 'base64' }),
      public_inputs: Type.Array(Type.String()),
      output: Type.Unknown({ description: "main()'s return value, decoded from the public inputs" }),
      verification_key: Type.String({ description: 'base64' }),
    }),
  },
});
