import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { HubClient, Progress } from '@proofgrid/client';
import { writeTar } from '@proofgrid/core';

/** Registers and logs in an organization on a running hub. */
export async function signUp(hub: HubClient, name = `org-${randomUUID().slice(0, 8)}`) {
  const username = `user-${randomUUID().slice(0, 8)}`;
  const password = 'correct horse battery';
  await hub.api.register({ body: { username, password, name, description: '' } });
  const tokens = await hub.api.login({ body: { username, password } });
  const claims = JSON.parse(
    Buffer.from(tokens.basic_token.token.split('.')[1] ?? '', 'base64url').toString(),
  );
  return {
    username,
    password,
    token: tokens.basic_token.token,
    refresh: tokens.refresh_token,
    organizationId: String(claims.organization_id),
  };
}

export function programArchive(): Uint8Array {
  return writeTar([{ path: 'program.json', data: new TextEncoder().encode(`{"marker":"${randomUUID()}"}`) }]);
}

export async function uploadProgram(
  hub: HubClient,
  token: string,
  name: string,
  archive = programArchive(),
): Promise<string> {
  const data = await hub.api.uploadProgram(
    {
      file: { name: 'p.tar', bytes: archive },
      data: { name, description: 'durability', execution_timeout: 600 },
    },
    { token },
  );
  return data.program_id;
}

/** Uploads one input file (a CSV, or for a Noir program a Prover.toml) as a group named after the file. */
export async function uploadInputs(
  hub: HubClient,
  token: string,
  programId: string,
  fileName: string,
  body: string | Uint8Array,
): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const data = await hub.api.uploadInputGroup(
    { params: { program_id: programId }, file: { name: fileName, bytes } },
    { token },
  );
  return data.input_group_id;
}

export async function reserve(
  hub: HubClient,
  programId: string,
): Promise<{ leaseId: string; groupId: string; csv: string }> {
  const { bytes, headers } = await hub.api.reserveInputs({ params: { program_id: programId } });
  return {
    leaseId: headers['proofgrid-lease-id'],
    groupId: headers['proofgrid-input-group-id'],
    csv: new TextDecoder().decode(bytes),
  };
}

export async function uploadProof(
  hub: HubClient,
  data: { organization_id: string; program_id: string; input_group_id: string; lease_id: string },
  proof: Uint8Array,
): Promise<void> {
  await hub.api.uploadProof({ file: { name: 'proof.bin', bytes: proof }, data });
}

/**
 * Starts a multipart upload and sends only its first `sentBytes` of file content, leaving the request
 * open: what a client looks like to the hub when the hub is killed mid-upload.
 */
export function startPartialUpload(
  url: string,
  {
    path,
    token,
    data,
    fileBytes,
    sentBytes,
  }: { path: string; token: string; data: unknown; fileBytes: number; sentBytes: number },
): { sent: Promise<void>; abort: () => void } {
  const boundary = `----proofgrid${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${JSON.stringify(data)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const target = new URL(path, url);
  const req = request(target, {
    method: 'POST',
    headers: {
      token,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + fileBytes + tail.length,
    },
  });
  req.on('error', () => undefined); // the hub dies mid-request: that is the point
  const sent = new Promise<void>((resolve) => {
    req.write(head);
    req.write(Buffer.alloc(sentBytes, 0x41), () => resolve());
  });
  return { sent, abort: () => req.destroy() };
}

/**
 * Polls a program's progress until `done` holds, and returns that progress. The hub may be briefly
 * unreachable (tests restart it); polling goes on until the deadline, which then fails the test.
 */
export async function waitForProgress(
  hub: HubClient,
  token: string,
  programId: string,
  done: (progress: Progress) => boolean,
  timeoutMs = 120_000,
): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let last: Progress | string = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const progress = await hub.api.programProgress({ params: { program_id: programId } }, { token });
      last = progress;
      if (done(progress)) return progress;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`progress did not get there within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}
