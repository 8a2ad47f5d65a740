import { Program, routes, type TaskDetails, type TaskSummary } from '@proofgrid/client';
import { TASK_STATES, type TaskState } from '@proofgrid/core';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { plural, printResult, table } from './output.ts';
import { resolveGroup } from './resolve.ts';

async function programOf(args: Arguments, io: CommandIo, first: string): Promise<Program> {
  return Program.find(organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env)), first);
}

function stateFlag(args: Arguments): TaskState | undefined {
  const state = args.string('state');
  if (state !== undefined && !(TASK_STATES as readonly string[]).includes(state))
    throw args.usage(`--state must be one of ${TASK_STATES.join(', ')} (got "${state}").`);
  return state as TaskState | undefined;
}

/** `proofgrid task list <program> [--state …]`. */
export async function taskList(args: Arguments, io: CommandIo): Promise<number> {
  const state = stateFlag(args);
  const program = await programOf(args, io, args.one('a program id or name'));
  const tasks: TaskSummary[] = [];
  for await (const task of program.tasks(state)) tasks.push(task);
  printResult(io, args, { tasks }, () => [
    ...table([
      ['GROUP', 'STATE', 'ATTEMPT', 'RUNNING', 'FUEL', 'EXIT', 'REASON'],
      ...tasks.map((task) => [
        task.name,
        task.state,
        String(task.attempt),
        String(task.replicas_running),
        task.fuel_used === null ? '-' : String(task.fuel_used),
        task.exit_code === null ? '-' : String(task.exit_code),
        task.failure_reason ?? '',
      ]),
    ]),
    `${plural(tasks.length, 'task')}${state === undefined ? '' : ` ${state}`}.`,
  ]);
  return 0;
}

/** `proofgrid task show <program> <group>`: everything about one task. */
export async function taskShow(args: Arguments, io: CommandIo): Promise<number> {
  const [programName = '', groupName = ''] = args.exactly(['a program', 'an input group (id or name)']);
  const program = await programOf(args, io, programName);
  const group = await resolveGroup(program, groupName);
  const task = await program.session.call(routes.showTask, {
    params: { program_id: program.id, input_group_id: group.id },
  });
  printResult(io, args, task, describeTask);
  return 0;
}

function describeTask(task: TaskDetails): string[] {
  const run = task.run;
  return [
    `${task.name} (${task.input_group_id}): ${task.state}, attempt ${task.attempt}, ${plural(task.replicas_wanted, 'replica')} wanted`,
    ...(task.failure_reason === null ? [] : [`failure: ${task.failure_reason}`]),
    ...(task.waiting_reason === null ? [] : [`waiting: ${task.waiting_reason}`]),
    ...(task.result_sha256 === null ? [] : [`result: sha256 ${task.result_sha256}`]),
    ...(run === null
      ? []
      : [
          `run: ${run.fuel_used ?? '-'} fuel, exit code ${run.exit_code ?? '-'}${run.failure_code === null ? '' : `, ${run.failure_code}`}`,
          ...(run.log ? ['log:', ...run.log.split('\n').map((line) => `  ${line}`)] : []),
        ]),
    '',
    'replicas:',
    ...table(
      task.replicas.map((replica) => [
        `  ${replica.worker_name ?? (replica.worker_id === null ? 'anonymous donor' : replica.worker_id)}`,
        replica.step,
        replica.state,
        `attempt ${replica.attempt}`,
        replica.fuel_used === null ? '' : `${replica.fuel_used} fuel`,
        replica.judgements
          .map((judgement) => `${judgement.code}${judgement.reason ? `: ${judgement.reason}` : ''}`)
          .join('; '),
      ]),
    ),
    '',
    'history:',
    ...task.history.map(
      (event) =>
        `  ${event.at}  ${event.event} → ${event.to_state}${event.reason ? ` (${event.reason})` : ''}`,
    ),
  ];
}

/** `proofgrid task retry <program> (<group> | --failed)`: runs failed or cancelled tasks again. */
export async function taskRetry(args: Arguments, io: CommandIo): Promise<number> {
  const all = args.flag('failed');
  const [programName = '', groupName] = all
    ? args.exactly(['a program'])
    : args.exactly(['a program', 'an input group (id or name)']);
  const program = await programOf(args, io, programName);
  const targets: { id: string; name: string }[] = [];
  if (all)
    for await (const task of program.tasks('failed'))
      targets.push({ id: task.input_group_id, name: task.name });
  else targets.push(await resolveGroup(program, groupName ?? ''));
  const retried: { input_group_id: string; name: string; state: string; attempt: number }[] = [];
  for (const target of targets) {
    const { state, attempt } = await program.session.call(routes.retryTask, {
      params: { program_id: program.id, input_group_id: target.id },
    });
    retried.push({ input_group_id: target.id, name: target.name, state, attempt });
  }
  printResult(io, args, { retried }, () => [
    ...retried.map((task) => `${task.name}: ${task.state} again (attempt ${task.attempt})`),
    `${plural(retried.length, 'task')} queued again. Follow them: proofgrid job watch ${program.summary.name}`,
  ]);
  return 0;
}
