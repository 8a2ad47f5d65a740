import { readFileSync } from 'node:fs';
import { COMMANDS, nameOf, optionsOf } from './cli/commands.ts';
import { commandHelp, generalHelp, groupHelp } from './cli/help.ts';
import { type CommandIo, terminalIo } from './cli/io.ts';
import { parseArguments } from './cli/parseArguments.ts';
import { UsageError } from './cli/UsageError.ts';

/** The version of the command, from its package. */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Runs one command line and returns the exit code: 0 done, 1 failed, 2 misused. */
export async function main(argv: string[], io: CommandIo = terminalIo()): Promise<number> {
  const [first, second] = argv;
  if (first === '--version' || first === '-V') {
    io.out(`proofgrid ${cliVersion()}`);
    return 0;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(generalHelp(cliVersion()));
    return first === undefined ? 2 : 0;
  }
  const spec = COMMANDS.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  if (spec === undefined) {
    const group = groupHelp(first);
    if (group !== undefined && (second === undefined || second === '--help' || second === '-h')) {
      io.out(group);
      return second === undefined ? 2 : 0;
    }
    const words = group === undefined ? first : `${first} ${second ?? ''}`.trim();
    io.err(
      `error: unknown command "${words}". See: proofgrid ${group === undefined ? '' : `${first} `}--help`,
    );
    return 2;
  }
  const name = nameOf(spec);
  try {
    const args = parseArguments(name, argv.slice(spec.words.length), optionsOf(spec));
    if (args.flag('help')) {
      io.out(commandHelp(spec));
      return 0;
    }
    const handler = await spec.load();
    return await handler(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message} See: proofgrid ${error.command} --help`);
      return 2;
    }
    // Loaded only on failure: it needs the client library, which --help and --version do not.
    const { describeError } = await import('./cli/describeError.ts');
    io.err(`error: ${describeError(error)}`);
    return 1;
  }
}
