import { readFile, stat } from 'node:fs/promises';
import { Program, type ProgramSummary, routes } from '@proofgrid/client';
import { packProgramFolder } from '@proofgrid/client/node';
import { LEASE_TIMEOUT_SECONDS_MAX, PAGE_LIMIT_MAX } from '@proofgrid/core';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { describeProgress } from './job.ts';
import { printResult, table } from './output.ts';

/** Pages of programs listed at most (50 each). */
const PAGES_MAX = 10_000;

/** `proofgrid program upload <dir|tar>`: a folder is packed as a tar (without node_modules and .git). */
export async function programUpload(args: Arguments, io: CommandIo): Promise<number> {
  const source = args.one('a program folder or tar');
  const name = args.required('name');
  const leaseSeconds = args.integer('timeout', { min: 1, max: LEASE_TIMEOUT_SECONDS_MAX }) ?? 300;
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const archive = (await stat(source)).isDirectory()
    ? await packProgramFolder(source)
    : await readFile(source);
  const program = await Program.upload(session, {
    name,
    archive,
    description: args.string('description') ?? '',
    leaseSeconds,
  });
  printResult(io, args, program.summary, () => [
    `Uploaded "${name}" as program ${program.id}. Next: proofgrid input upload ${name} <csv|folder>`,
  ]);
  return 0;
}

/** `proofgrid program list`: every program of the organization. */
export async function programList(args: Arguments, io: CommandIo): Promise<number> {
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const programs: ProgramSummary[] = [];
  for (let page = 1; page <= PAGES_MAX; page++) {
    const listed = await session.call(routes.listMyPrograms, { query: { page, limit: PAGE_LIMIT_MAX } });
    programs.push(...listed.programs);
    if (page * PAGE_LIMIT_MAX >= listed.total_elements_amount) break;
  }
  printResult(io, args, { programs }, () => [
    ...table(programs.map((p) => [p.program_id, p.name, p.description])),
    `${programs.length} program(s).`,
  ]);
  return 0;
}

/** `proofgrid program show <program>`: the program and how its tasks stand. */
export async function programShow(args: Arguments, io: CommandIo): Promise<number> {
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  const progress = await program.progress();
  printResult(io, args, { ...program.summary, progress }, () => [
    `${program.summary.name} (${program.id})${program.summary.description ? ` — ${program.summary.description}` : ''}`,
    `lease length: ${program.summary.input_lock_timeout} s`,
    describeProgress(progress),
    ...(progress.waiting_reason === null ? [] : [`waiting: ${progress.waiting_reason}`]),
  ]);
  return 0;
}

/** `proofgrid program delete <program>`. */
export async function programDelete(args: Arguments, io: CommandIo): Promise<number> {
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  await program.delete();
  printResult(io, args, { deleted: program.summary }, () => [
    `Deleted program ${program.summary.name} (${program.id}) with its inputs and results.`,
  ]);
  return 0;
}
