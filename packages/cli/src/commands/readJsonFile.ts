import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Arguments } from '../cli/parseArguments.ts';

/** The JSON in the file an option names, or a usage error saying why it cannot be read or parsed. */
export function readJsonFile(args: Arguments, flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw args.usage(`--${flag} ${path} cannot be read: ${(error as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw args.usage(`--${flag} ${path} is not JSON: ${(error as Error).message}.`);
  }
}
