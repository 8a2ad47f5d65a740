import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';

/** Prints a command's result: its JSON with `--json`, else the lines `text` makes of it. */
export function printResult<T>(io: CommandIo, args: Arguments, value: T, text: (value: T) => string[]): void {
  if (args.flag('json')) io.out(JSON.stringify(value, null, 2));
  else for (const line of text(value)) io.out(line);
}

/** Rows as aligned columns (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  return rows.map((row) =>
    row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '),
  );
}

/** A count with its noun: `1 task`, `3 tasks`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
