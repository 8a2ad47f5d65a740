import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubClient } from '@proofgrid/client';
import { writeTar } from '@proofgrid/core';

export const EXAMPLES = new URL('../../../../examples/', import.meta.url).pathname;

/** Trial division in plain TypeScript: the reference the primality example's output is checked against. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Uploads a built example (its manifest and module) as a program; returns its id. */
export async function uploadExample(
  hub: HubClient,
  token: string,
  example: 'primality' | 'montecarlo-pi' | 'render',
  { description = example, timeoutSeconds = 60 }: { description?: string; timeoutSeconds?: number } = {},
): Promise<string> {
  const manifest = await readFile(join(EXAMPLES, example, 'proofgrid.json'));
  const archive = writeTar([
    { path: 'proofgrid.json', data: manifest },
    { path: 'build/program.wasm', data: await readFile(join(EXAMPLES, example, 'build/program.wasm')) },
  ]);
  const { program_id } = await hub.api.uploadProgram(
    {
      file: { name: `${example}.tar`, bytes: archive },
      data: { name: example, description, execution_timeout: timeoutSeconds },
    },
    { token },
  );
  return program_id;
}
