import { parseArgs } from 'node:util';
import { UsageError } from './UsageError.ts';

/** An option of a command, as its help shows it. */
export type OptionSpec = {
  name: string;
  type: 'string' | 'boolean';
  /** Repeatable: every occurrence is kept, in order. */
  multiple?: boolean;
  /** The value's placeholder in the help (`<url>`). */
  value?: string;
  description: string;
};

/** The options every command takes (and which of them it takes). */
export const COMMON_OPTIONS = {
  hub: {
    name: 'hub',
    type: 'string',
    value: '<url>',
    description: 'the hub (default: $PROOFGRID_HUB, else http://127.0.0.1:8080)',
  },
  json: { name: 'json', type: 'boolean', description: 'print JSON instead of text' },
  help: { name: 'help', type: 'boolean', description: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

/**
 * A command's parsed arguments, with getters that check each value and say, in a usage error naming the
 * command, what was wrong with it.
 */
export class Arguments {
  readonly command: string;
  readonly positionals: string[];
  /** Options in the order given, for repeatable options whose order matters (input values). */
  readonly ordered: { name: string; value: string | boolean }[];
  readonly #values: Record<string, string | boolean | (string | boolean)[] | undefined>;

  constructor({
    command,
    values,
    positionals,
    ordered,
  }: {
    command: string;
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
    ordered: { name: string; value: string | boolean }[];
  }) {
    this.command = command;
    this.#values = values;
    this.positionals = positionals;
    this.ordered = ordered;
  }

  usage(message: string): UsageError {
    return new UsageError(message, { command: this.command });
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value of a repeatable option, in order (none: an empty list). */
  strings(name: string): string[] {
    const value = this.#values[name];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
    return typeof value === 'string' ? [value] : [];
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw this.usage(`--${name} is required.`);
    return value;
  }

  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  integer(name: string, { min, max }: { min: number; max: number }): number | undefined {
    return parseInteger(this.string(name), `--${name}`, { min, max }, (message) => this.usage(message));
  }

  decimal(name: string, { min, max }: { min: number; max: number }): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max)
      throw this.usage(`--${name} must be a number from ${min} to ${max} (got "${value}").`);
    return parsed;
  }

  /** The one positional argument `what` (`a program id or name`). */
  one(what: string): string {
    const [value] = this.positionals;
    if (value === undefined || this.positionals.length > 1)
      throw this.usage(`expected one argument: ${what}.`);
    return value;
  }

  /** Exactly `names.length` positional arguments. */
  exactly(names: readonly string[]): string[] {
    if (this.positionals.length !== names.length)
      throw this.usage(`expected ${names.length} arguments: ${names.join(' and ')}.`);
    return this.positionals;
  }
}

/** Parses a whole number within bounds; `usage` builds the error. */
export function parseInteger(
  value: string | undefined,
  flag: string,
  { min, max }: { min: number; max: number },
  usage: (message: string) => Error,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max)
    throw usage(`${flag} must be a whole number from ${min} to ${max} (got "${value}").`);
  return parsed;
}

/** Parses `argv` against a command's options; unknown options and missing values are usage errors. */
export function parseArguments(
  command: string,
  argv: readonly string[],
  options: readonly OptionSpec[],
): Arguments {
  const config = Object.fromEntries(
    options.map((option) => [
      option.name,
      {
        type: option.type,
        ...(option.multiple ? { multiple: true } : {}),
        ...(option.name === 'help' ? { short: 'h' } : {}),
      },
    ]),
  );
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: config,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
    const ordered = parsed.tokens.flatMap((token) =>
      token.kind === 'option' ? [{ name: token.name, value: token.value ?? true }] : [],
    );
    return new Arguments({ command, values: parsed.values, positionals: parsed.positionals, ordered });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, '.'), {
      command,
    });
  }
}
