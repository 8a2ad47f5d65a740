import { HubApiError, Program, type Progress } from '@proofgrid/client';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { plural, printResult } from './output.ts';

const WATCH_INTERVAL_MS = 1000;
const BAR_WIDTH = 30;

/** One line of progress: a bar, the counts, and the connected workers. */
export function describeProgress(p: Progress): string {
  const ended = p.verified + p.failed + p.cancelled;
  const filled = p.total === 0 ? BAR_WIDTH : Math.round((ended / p.total) * BAR_WIDTH);
  const counts = [
    `${p.verified} verified`,
    ...(p.failed > 0 ? [`${p.failed} failed`] : []),
    ...(p.cancelled > 0 ? [`${p.cancelled} cancelled`] : []),
    ...(p.proven > 0 ? [`${p.proven} awaiting your confirmation`] : []),
    `${p.leased} running`,
    `${p.queued} queued`,
  ];
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${ended}/${p.total} done: ${counts.join(', ')} (${plural(p.workers_connected, 'worker')} connected)`;
}

/**
 * `proofgrid job watch <program>`: the job's progress until no task can change without you. On a terminal
 * one line redraws itself; otherwise a line per change (JSON lines with `--json`). Exit 1 when a task failed
 * or was cancelled.
 */
export async function jobWatch(args: Arguments, io: CommandIo): Promise<number> {
  const timeoutSeconds = args.integer('timeout', { min: 1, max: 30 * 24 * 3600 }) ?? 3600;
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  let shown = '';
  let line = '';
  const show = (progress: Progress) => {
    line = `${describeProgress(progress)}${progress.waiting_reason === null ? '' : ` — ${progress.waiting_reason}`}`;
    const next = args.flag('json') ? JSON.stringify(progress) : line;
    if (io.status !== undefined && !args.flag('json')) io.status(line);
    else if (next !== shown) io.out(next);
    shown = next;
  };
  let progress: Progress | undefined;
  try {
    progress = await program.waitUntilDone({
      pollMs: WATCH_INTERVAL_MS,
      timeoutMs: timeoutSeconds * 1000,
      onProgress: (latest) => {
        progress = latest;
        show(latest);
      },
    });
  } catch (error) {
    if (io.status !== undefined && line !== '') io.out(line);
    if (error instanceof HubApiError || progress === undefined) throw error;
    throw new Error(
      `The job of ${program.summary.name} is not done after ${timeoutSeconds} s${progress.waiting_reason === null ? '. Is a worker running? (proofgrid worker start)' : `: ${progress.waiting_reason}`}`,
    );
  }
  if (!args.flag('json')) {
    if (io.status !== undefined) io.out(line);
    io.out(conclusion(progress, program.summary.name));
  }
  return progress.failed + progress.cancelled > 0 ? 1 : 0;
}

function conclusion(p: Progress, name: string): string {
  if (p.total === 0)
    return `${name} has no input groups, so there is nothing to do. Add some: proofgrid input upload ${name} <file|folder>`;
  if (p.failed + p.cancelled === 0)
    return `Every task is verified. Results: proofgrid results download ${name} --out <dir>`;
  return `${plural(p.failed, 'task')} failed and ${p.cancelled} cancelled. Why: proofgrid task list ${name} --state failed; run again: proofgrid task retry ${name} --failed`;
}

/** `proofgrid job cancel <program>`: cancels every unfinished task. */
export async function jobCancel(args: Arguments, io: CommandIo): Promise<number> {
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  const cancelled = await program.cancel();
  printResult(io, args, { program_id: program.id, cancelled }, () => [
    `Cancelled ${plural(cancelled, 'task')} of ${program.summary.name}; running workers stop at their next heartbeat.`,
  ]);
  return 0;
}
