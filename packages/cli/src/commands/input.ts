import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type InputGroup, Program, routes } from '@proofgrid/client';
import { INPUT_CSV_SIZE_BYTES_MAX, inputValue, PAGE_LIMIT_MAX } from '@proofgrid/core';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { plural, printResult, table } from './output.ts';
import { resolveGroup } from './resolve.ts';

/** Files an input folder may hold that are uploaded; others are left alone. */
const INPUT_FILE = /\.(csv|toml|json)$/i;
const GROUP_PAGES_MAX = 10_000;

function sessionOf(args: Arguments, io: CommandIo) {
  return organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
}

/** `proofgrid input upload <program> <file|folder>`: one input group per file, named after it. */
export async function inputUpload(args: Arguments, io: CommandIo): Promise<number> {
  const [programName = '', source = ''] = args.exactly(['a program', 'a CSV file or a folder of them']);
  const program = await Program.find(sessionOf(args, io), programName);
  const files = (await stat(source)).isDirectory()
    ? (await readdir(source))
        .filter((file) => INPUT_FILE.test(file))
        .sort()
        .map((file) => join(source, file))
    : [source];
  if (files.length === 0) throw new Error(`${source} holds no .csv (or .toml, .json) file.`);
  const uploaded = [];
  for (const file of files) {
    const bytes = await readFile(file);
    if (bytes.length > INPUT_CSV_SIZE_BYTES_MAX)
      throw new Error(
        `${file} is larger than an input group may be (${INPUT_CSV_SIZE_BYTES_MAX} bytes): split it.`,
      );
    const name = basename(file).replace(INPUT_FILE, '');
    const id = await program.addInputFile(name, { name: basename(file), bytes });
    uploaded.push({ input_group_id: id, name, file });
    if (!args.flag('json')) io.out(`${basename(file)} → input group ${id}`);
  }
  if (args.flag('json')) io.out(JSON.stringify({ program_id: program.id, input_groups: uploaded }, null, 2));
  else
    io.out(
      `Uploaded ${plural(uploaded.length, 'input group')} to ${program.summary.name}. Watch: proofgrid job watch ${program.summary.name}`,
    );
  return 0;
}

/** The values of `input add`, in the order their options were given. */
async function valuesOf(args: Arguments): Promise<Uint8Array[]> {
  const values: Uint8Array[] = [];
  const bad = (flag: string, value: string, why: string) => args.usage(`--${flag} "${value}": ${why}.`);
  const number = (flag: string, value: string, bytes: number) => {
    if (!/^\d+$/.test(value)) throw bad(flag, value, 'not a whole number');
    try {
      return inputValue.integer(BigInt(value), bytes);
    } catch (error) {
      throw bad(flag, value, (error as Error).message);
    }
  };
  for (const { name, value } of args.ordered) {
    if (typeof value !== 'string') continue;
    if (name === 'u32') values.push(number(name, value, 4));
    else if (name === 'u64') values.push(number(name, value, 8));
    else if (name === 'text') values.push(inputValue.text(value));
    else if (name === 'hex') {
      try {
        values.push(inputValue.hex(value));
      } catch (error) {
        throw bad(name, value, (error as Error).message);
      }
    } else if (name === 'json-value') {
      try {
        values.push(inputValue.json(JSON.parse(value)));
      } catch {
        throw bad(name, value, 'not JSON');
      }
    } else if (name === 'file') values.push(await readFile(value));
  }
  const lines = args.string('lines');
  if (lines !== undefined) {
    const as = args.string('as') ?? 'text';
    if (!['u32', 'u64', 'text'].includes(as))
      throw args.usage(`--as must be u32, u64 or text (got "${as}").`);
    for (const line of (await readFile(lines, 'utf8')).split(/\r?\n/)) {
      if (line.trim() === '') continue;
      values.push(
        as === 'text' ? inputValue.text(line) : number(`lines (as ${as})`, line.trim(), as === 'u32' ? 4 : 8),
      );
    }
  } else if (args.string('as') !== undefined) throw args.usage('--as goes with --lines.');
  return values;
}

/** `proofgrid input add <program> <name> --u32 7 --text hello …`: one group from values, no base64 by hand. */
export async function inputAdd(args: Arguments, io: CommandIo): Promise<number> {
  const [programName = '', name = ''] = args.exactly(['a program', 'a name for the input group']);
  const values = await valuesOf(args);
  if (values.length === 0)
    throw args.usage(
      'give at least one value (--u32, --u64, --text, --hex, --json-value, --file or --lines).',
    );
  const program = await Program.find(sessionOf(args, io), programName);
  const id = await program.addInputs(name, values);
  printResult(
    io,
    args,
    { program_id: program.id, input_group_id: id, name, value_count: values.length },
    () => [
      `Added input group ${name} (${id}) with ${plural(values.length, 'value')} to ${program.summary.name}.`,
    ],
  );
  return 0;
}

/** `proofgrid input list <program>`: the program's input groups and their tasks' states. */
export async function inputList(args: Arguments, io: CommandIo): Promise<number> {
  const program = await Program.find(sessionOf(args, io), args.one('a program id or name'));
  const groups: InputGroup[] = [];
  for (let page = 1; page <= GROUP_PAGES_MAX; page++) {
    const listed = await program.session.call(routes.listInputGroups, {
      params: { program_id: program.id },
      query: { page, limit: PAGE_LIMIT_MAX },
    });
    groups.push(...listed.program_input_groups);
    if (page * PAGE_LIMIT_MAX >= listed.total_elements_amount) break;
  }
  printResult(io, args, { input_groups: groups }, () => [
    ...table([
      ['ID', 'NAME', 'VALUES', 'STATE'],
      ...groups.map((group) => [group.input_group_id, group.name, String(group.value_count), group.state]),
    ]),
    `${plural(groups.length, 'input group')}.`,
  ]);
  return 0;
}

/** `proofgrid input delete <program> <group>`: deletes a group with its task and results. */
export async function inputDelete(args: Arguments, io: CommandIo): Promise<number> {
  const [programName = '', groupName = ''] = args.exactly(['a program', 'an input group (id or name)']);
  const program = await Program.find(sessionOf(args, io), programName);
  const group = await resolveGroup(program, groupName);
  await program.session.call(routes.deleteInputGroup, {
    params: { program_id: program.id, input_group_id: group.id },
  });
  printResult(io, args, { deleted: group }, () => [
    `Deleted input group ${group.name} (${group.id}) with its results.`,
  ]);
  return 0;
}
