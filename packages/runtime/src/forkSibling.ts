import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Forks the module `name` that sits beside `from` (an `import.meta.url`): `name.ts` when running from the
 * sources (tests), with tsx loaded as this process has it; `name.js` once built, as plain JavaScript.
 */
export function forkSibling(
  from: string,
  name: string,
  options: Omit<ForkOptions, 'execArgv'>,
): ChildProcess {
  const source = from.endsWith('.ts');
  return fork(fileURLToPath(new URL(`./${name}.${source ? 'ts' : 'js'}`, from)), [], {
    ...options,
    execArgv: source ? ['--conditions=proofgrid-source', '--import', import.meta.resolve('tsx')] : [],
  });
}
