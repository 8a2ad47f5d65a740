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

/** Uploads the built primality example (manifest + module) as a program; returns its id. */
export async function uploadPrimality(hub: HubClient, token: string, description: string): Promise<string> {
  const archive = writeTar([
    { path: 'proofgrid.json', data: await readFile(join(EXAMPLES, 'primality/proofgrid.json')) },
    { path: 'build/program.wasm', data: await readFile(join(EXAMPLES, 'primality/build/program.wasm')) },
  ]);
  const upload = new FormData();
  upload.append('file', new Blob([new Uint8Array(archive)]), 'primality.tar');
  upload.append('data', JSON.stringify({ name: 'primality', description, execution_timeout: 60 }));
  const { program_id } = await hub.json<{ program_id: string }>('POST', '/program/upload', {
    token,
    form: upload,
  });
  return program_id;
}
