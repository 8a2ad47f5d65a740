import { readdir, readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { join, relative } from 'node:path';
import { PROGRAM_SIZE_BYTES_MAX, TAR_ENTRIES_MAX, type TarFile, writeTar } from '@proofgrid/core';
import type { HubResponse, Transport } from './transport.ts';

/** Folders a program never needs: dependencies and version control. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/**
 * Packs a program folder as the tar the hub takes (without `node_modules` and `.git`), in a stable order.
 * Node only: the rest of the SDK runs in browsers too.
 *
 * @throws when the folder is larger than a program may be
 */
export async function packProgramFolder(root: string): Promise<Uint8Array> {
  const files: TarFile[] = [];
  let bytes = 0;
  const walk = async (dir: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await walk(path);
      else if (entry.isFile()) {
        const data = await readFile(path);
        bytes += data.length;
        if (bytes > PROGRAM_SIZE_BYTES_MAX || files.length >= TAR_ENTRIES_MAX)
          throw new Error(
            `${root} is larger than a program may be (${PROGRAM_SIZE_BYTES_MAX} bytes, ${TAR_ENTRIES_MAX} files).`,
          );
        files.push({ path: relative(root, path), data });
      }
    }
  };
  await walk(root);
  return writeTar(files);
}

/** Connections kept open between requests (a worker's lease loop); idle ones do not keep a process alive. */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * Requests through node:http, which is ready at once, where the first `fetch` of a process first compiles
 * its HTTP parser (a sixth of a second, paid by every command line call). Rejects when the hub cannot be
 * reached or the request takes longer than its timeout.
 */
export const nodeTransport: Transport = ({ url, method, headers, body, timeoutMs }) =>
  new Promise<HubResponse>((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method,
        headers: body === null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: secure ? agents.https : agents.http,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const bytes = new Uint8Array(Buffer.concat(chunks));
          resolve({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
            bytes: async () => bytes,
          });
        });
      },
    );
    request.on('error', (error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)
          : error,
      ),
    );
    request.end(body ?? undefined);
  });
