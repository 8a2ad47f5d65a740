import { randomUUID } from 'node:crypto';
import { writeTar } from '@proofgrid/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A multipart body for `inject`, encoded by the platform's own FormData. */
export async function multipart(parts: {
  file?: { name: string; bytes: Uint8Array };
  data?: unknown;
  dataText?: string;
}): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  if (parts.file !== undefined)
    form.append('file', new Blob([new Uint8Array(parts.file.bytes)]), parts.file.name);
  if (parts.dataText !== undefined) form.append('data', parts.dataText);
  else if (parts.data !== undefined) form.append('data', JSON.stringify(parts.data));
  const request = new Request('http://hub.invalid/', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type');
  if (contentType === null) throw new Error('FormData gave no content type');
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': contentType } };
}

/** The JSON of a response, with its envelope checked. */
export function body(response: LightMyRequestResponse): {
  status: string;
  data?: unknown;
  error_code?: string;
  error_message?: string;
} {
  return response.json();
}

/** Registers an organization and logs it in; returns its token and id. */
export async function signUp(
  app: FastifyInstance,
  name = `org-${randomUUID().slice(0, 8)}`,
): Promise<{
  token: string;
  organizationId: string;
  username: string;
  password: string;
  refresh: { token_id: string; token: string };
}> {
  const username = `user-${randomUUID().slice(0, 8)}`;
  const password = 'correct horse battery';
  const registered = await app.inject({
    method: 'POST',
    url: '/account/register',
    payload: { username, password, name, description: `${name} description` },
  });
  if (registered.statusCode !== 200) throw new Error(`register failed: ${registered.body}`);
  const login = await app.inject({ method: 'POST', url: '/account/login', payload: { username, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const tokens = login.json().data;
  const payload = JSON.parse(
    Buffer.from(tokens.basic_token.token.split('.')[1], 'base64url').toString('utf8'),
  );
  return {
    token: tokens.basic_token.token,
    organizationId: payload.organization_id,
    username,
    password,
    refresh: tokens.refresh_token,
  };
}

/** A small valid program archive. */
export function programArchive(marker = randomUUID()): Uint8Array {
  return writeTar([
    {
      path: 'README.txt',
      data: new TextEncoder().encode('an opaque program: its organization verifies results'),
    },
    { path: 'src/main.txt', data: new TextEncoder().encode(`program ${marker}`) },
  ]);
}

/** Uploads a program; returns its id. */
export async function uploadProgram(
  app: FastifyInstance,
  token: string,
  { name = `program-${randomUUID().slice(0, 8)}`, timeoutSeconds = 60, archive = programArchive() } = {},
): Promise<string> {
  const form = await multipart({
    file: { name: 'program.tar', bytes: archive },
    data: { name, description: 'test program', execution_timeout: timeoutSeconds },
  });
  const response = await app.inject({
    method: 'POST',
    url: '/program/upload',
    headers: { ...form.headers, token },
    payload: form.payload,
  });
  if (response.statusCode !== 200) throw new Error(`upload failed: ${response.body}`);
  return response.json().data.program_id;
}

/** A CSV of the given values, one base64 row each. */
export function csvOf(values: readonly Uint8Array[]): Uint8Array {
  return new TextEncoder().encode(
    values.map((value) => `${Buffer.from(value).toString('base64')}\n`).join(''),
  );
}

/** A big-endian u32 (how seed 004's generator wrote its numbers). */
export function u32(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n, false);
  return bytes;
}

/** Uploads one input group; returns its id. */
export async function uploadInputs(
  app: FastifyInstance,
  token: string,
  programId: string,
  {
    name = `group-${randomUUID().slice(0, 8)}`,
    values = [u32(7), u32(11)],
  }: { name?: string; values?: Uint8Array[] } = {},
): Promise<string> {
  const form = await multipart({ file: { name: `${name}.csv`, bytes: csvOf(values) }, data: { name } });
  const response = await app.inject({
    method: 'POST',
    url: `/program/inputs/${programId}`,
    headers: { ...form.headers, token },
    payload: form.payload,
  });
  if (response.statusCode !== 200) throw new Error(`input upload failed: ${response.body}`);
  return response.json().data.input_group_id;
}

/** Uploads a proof under a lease; returns the response. */
export async function uploadProof(
  app: FastifyInstance,
  data: { organization_id: string; program_id: string; input_group_id: string; lease_id?: string },
  proof: Uint8Array = new TextEncoder().encode(`proof ${randomUUID()}`),
): Promise<LightMyRequestResponse> {
  const form = await multipart({ file: { name: 'proof.bin', bytes: proof }, data });
  return app.inject({ method: 'POST', url: '/program/proof', headers: form.headers, payload: form.payload });
}

/** Reserves a group through the tar route; returns the lease headers. */
export async function reserve(app: FastifyInstance, programId: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: `/program/program-and-inputs/${programId}` });
}

/** A minimal WebAssembly program with a manifest (it runs on workers), with the given verification policy. */
export async function manifestArchive(
  verification: Record<string, unknown>,
  { limits, marker }: { limits?: Record<string, number>; marker?: string } = {},
): Promise<Uint8Array> {
  const wabt = await (await import('wabt')).default();
  const parsed = wabt.parseWat('p.wat', '(module (memory (export "memory") 1) (func (export "_start")))');
  const module = new Uint8Array(parsed.toBinary({}).buffer);
  parsed.destroy();
  const manifest = {
    name: 'manifested',
    runtime: 'wasm',
    entry: 'p.wasm',
    verification,
    ...(limits ? { limits } : {}),
  };
  return writeTar([
    { path: 'proofgrid.json', data: new TextEncoder().encode(JSON.stringify(manifest)) },
    { path: 'p.wasm', data: module },
    ...(marker === undefined ? [] : [{ path: 'marker.txt', data: new TextEncoder().encode(marker) }]),
  ]);
}
