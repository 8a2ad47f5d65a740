import { COMMANDS, type CommandSpec, nameOf, optionsOf } from './commands.ts';

/** `proofgrid --help`: every command with its summary. */
export function generalHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((spec) => nameOf(spec).length));
  const lines = COMMANDS.map((spec) => `  ${nameOf(spec).padEnd(width)}  ${spec.summary}`);
  return [
    `proofgrid ${version} — the ProofGrid command line`,
    '',
    'Usage: proofgrid <command> [arguments] [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'proofgrid <command> --help shows a command’s arguments and options; proofgrid --version its version.',
    'Commands that talk to a hub take --hub <url> (or PROOFGRID_HUB; default http://127.0.0.1:8080).',
    'Exit codes: 0 done, 1 failed (the message says why and what to do), 2 misused.',
  ].join('\n');
}

/** `proofgrid <group> --help`: the commands of one group. */
export function groupHelp(group: string): string | undefined {
  const specs = COMMANDS.filter((spec) => spec.words[0] === group);
  if (specs.length === 0) return undefined;
  const width = Math.max(...specs.map((spec) => nameOf(spec).length));
  return [
    `Usage: proofgrid ${group} <command> …`,
    '',
    ...specs.map((spec) => `  ${nameOf(spec).padEnd(width)}  ${spec.summary}`),
    '',
    `proofgrid ${group} <command> --help shows one command.`,
  ].join('\n');
}

/** `proofgrid <command> --help`: its usage, what it does, its options. */
export function commandHelp(spec: CommandSpec): string {
  const options = optionsOf(spec);
  const labels = options.map(
    (option) =>
      `${option.name === 'help' ? '-h, ' : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`,
  );
  const width = Math.max(...labels.map((label) => label.length));
  return [
    `Usage: proofgrid ${nameOf(spec)}${spec.usage === '' ? '' : ` ${spec.usage}`}`,
    '',
    `${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`,
    ...(spec.details === undefined ? [] : ['', spec.details]),
    '',
    'Options:',
    ...options.map((option, index) => `  ${(labels[index] ?? '').padEnd(width)}  ${option.description}`),
  ].join('\n');
}
