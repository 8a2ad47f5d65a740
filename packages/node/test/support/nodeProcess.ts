import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** The built `proofgrid` command: what a user runs after `npm install`. */
export const CLI = new URL('../../../cli/bin/proofgrid.js', import.meta.url).pathname;

export type NodeProcess = {
  url: string;
  port: number;
  p2pPort: number;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/** A free TCP port on loopback (closed again at once, so another process may take it: use it quickly). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** `proofgrid node start …` as a child process, resolved once it prints its URL. */
export async function startNodeProcess(
  args: string[],
  {
    port,
    p2pPort,
    dataDir,
    env = {},
  }: { port: number; p2pPort: number; dataDir: string; env?: NodeJS.ProcessEnv },
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'node',
      'start',
      '--port',
      String(port),
      '--p2p-port',
      String(p2pPort),
      '--data-dir',
      dataDir,
      ...args,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`the node did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    p2pPort,
    dataDir,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export type Envelope<T = unknown> = { code: number; msg: string; data: T; error?: string };

// biome-ignore lint/suspicious/noExplicitAny: tests read the envelopes loosely, as a curl user would
export async function api<T = any>(
  url: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Envelope<T> }> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

export type Status = { tip: { index: number; hash: string }; peers: number; address: string; peerId: string };

export const status = async (node: { url: string }) =>
  (await api<Status>(node.url, '/node/status')).body.data;
