import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROGRAM_SIZE_BYTES_MAX, TAR_ENTRIES_MAX, type TarFile, writeTar } from '@proofgrid/core';
import { Session } from '../config/session.ts';
import type { CommandIo } from './io.ts';

type ProgramSummary = { program_id: string; name: string; description: string; input_lock_timeout: number };
type Progress = { total: number; queued: number; leased: number; verified: number; failed: number };
type Group = { input_group_id: string; name: string };

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
const WATCH_INTERVAL_MS = 1000;

/** `proofgrid program upload <dir|tar>`: a folder is packed as a tar (without node_modules and .git). */
export async function programUpload(
  options: { hubUrl: string; source: string; name: string; description: string; timeoutSeconds: number },
  io: CommandIo,
): Promise<number> {
  const archive = (await stat(options.source)).isDirectory()
    ? await packFolder(options.source)
    : await readFile(options.source);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(archive)]), 'program.tar');
  form.append(
    'data',
    JSON.stringify({
      name: options.name,
      description: options.description,
      execution_timeout: options.timeoutSeconds,
    }),
  );
  const { program_id } = await new Session({ hubUrl: options.hubUrl, io }).json<{ program_id: string }>(
    'POST',
    '/program/upload',
    { form },
  );
  io.out(
    `Uploaded "${options.name}" as program ${program_id}. Next: proofgrid input upload ${options.name} <csv|folder>`,
  );
  return 0;
}

export async function packFolder(root: string): Promise<Uint8Array> {
  const files: TarFile[] = [];
  let bytes = 0;
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await walk(path);
      else if (entry.isFile()) {
        const data = await readFile(path);
        bytes += data.length;
        if (bytes > PROGRAM_SIZE_BYTES_MAX || files.length >= TAR_ENTRIES_MAX) {
          throw new Error(
            `${root} is larger than a program may be (${PROGRAM_SIZE_BYTES_MAX} bytes, ${TAR_ENTRIES_MAX} files).`,
          );
        }
        files.push({ path: relative(root, path), data });
      }
    }
  };
  await walk(root);
  return writeTar(files);
}

/** Finds one of the caller's programs by id or by name. */
export async function resolveProgram(session: Session, program: string): Promise<ProgramSummary> {
  for (let page = 1; page <= 1000; page++) {
    const listed = await session.json<{ programs: ProgramSummary[]; total_elements_amount: number }>(
      'GET',
      '/program/mine',
      { query: { page, limit: 50 } },
    );
    const found = listed.programs.find((p) => p.program_id === program || p.name === program);
    if (found !== undefined) return found;
    if (page * 50 >= listed.total_elements_amount) break;
  }
  throw new Error(`You have no program "${program}". List yours with: proofgrid program list`);
}

export async function programList(options: { hubUrl: string }, io: CommandIo): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const listed = await session.json<{ programs: ProgramSummary[]; total_elements_amount: number }>(
    'GET',
    '/program/mine',
    { query: { limit: 50 } },
  );
  for (const p of listed.programs)
    io.out(`${p.program_id}  ${p.name}${p.description ? `  — ${p.description}` : ''}`);
  io.out(`${listed.programs.length} shown of ${listed.total_elements_amount} program(s).`);
  return 0;
}

export async function programShow(
  options: { hubUrl: string; program: string },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  const progress = await session.json<Progress>('GET', `/program/${program.program_id}/progress`);
  io.out(JSON.stringify({ ...program, progress }, null, 2));
  return 0;
}

export async function programDelete(
  options: { hubUrl: string; program: string },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  await session.json('DELETE', `/program/${program.program_id}`);
  io.out(`Deleted program ${program.name} (${program.program_id}) with its inputs and results.`);
  return 0;
}

/** `proofgrid input upload <program> <csv|folder>`: one input group per CSV file, named after it. */
export async function inputUpload(
  options: { hubUrl: string; program: string; source: string },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  const files = (await stat(options.source)).isDirectory()
    ? (await readdir(options.source))
        .filter((file) => file.endsWith('.csv'))
        .sort()
        .map((file) => join(options.source, file))
    : [options.source];
  if (files.length === 0) throw new Error(`${options.source} holds no .csv file.`);
  for (const file of files) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(file))]), basename(file));
    form.append('data', JSON.stringify({ name: basename(file).replace(/\.csv$/i, '') }));
    const { input_group_id } = await session.json<{ input_group_id: string }>(
      'POST',
      `/program/inputs/${program.program_id}`,
      { form },
    );
    io.out(`${basename(file)} → input group ${input_group_id}`);
  }
  io.out(
    `Uploaded ${files.length} input group(s) to ${program.name}. Watch with: proofgrid job watch ${program.name}`,
  );
  return 0;
}

/** `proofgrid job watch <program>`: a progress line until every task is verified or failed. */
export async function jobWatch(
  options: { hubUrl: string; program: string; timeoutSeconds: number },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const p = await session.json<Progress>('GET', `/program/${program.program_id}/progress`);
    const done = p.verified + p.failed;
    const width = 30;
    const filled = p.total === 0 ? 0 : Math.round((done / p.total) * width);
    io.out(
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${p.total} done: ${p.verified} verified, ${p.failed} failed, ${p.leased} running, ${p.queued} queued`,
    );
    if (p.total > 0 && done === p.total) return p.failed === 0 ? 0 : 1;
    if (Date.now() > deadline)
      throw new Error(
        `The job is not done after ${options.timeoutSeconds} s. Is a worker running? (proofgrid worker start)`,
      );
    await sleep(WATCH_INTERVAL_MS);
  }
}

/** `proofgrid results download <program> --out <dir>`: `<dir>/<group name>/output` and `verdict.json`. */
export async function resultsDownload(
  options: { hubUrl: string; program: string; out: string },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  let saved = 0;
  let missing = 0;
  for (let page = 1; page <= 10_000; page++) {
    const listed = await session.json<{ program_input_groups: Group[]; total_elements_amount: number }>(
      'GET',
      `/program/inputs/all/${program.program_id}`,
      { query: { page, limit: 50 } },
    );
    for (const group of listed.program_input_groups) {
      try {
        const response = await session.send(
          'GET',
          `/program/${program.program_id}/results/${group.input_group_id}`,
        );
        const folder = join(options.out, group.name);
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, 'output'), new Uint8Array(await response.arrayBuffer()));
        await writeFile(
          join(folder, 'verdict.json'),
          `${JSON.stringify(JSON.parse(response.headers.get('proofgrid-verdict') ?? '{}'), null, 2)}\n`,
        );
        saved += 1;
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'PROOF_NOT_FOUND')) throw error;
        missing += 1;
      }
    }
    if (page * 50 >= listed.total_elements_amount) break;
  }
  io.out(
    `Saved ${saved} verified result(s) to ${options.out}${missing > 0 ? `; ${missing} group(s) are not verified yet` : ''}.`,
  );
  return 0;
}
