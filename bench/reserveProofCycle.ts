// Benchmark: reserve → proof-upload cycles against a real hub process over HTTP on loopback.
//
//   npm run bench                       # both drivers, 50 clients
//   npm run bench -- --driver pglite --clients 50 --groups 6000
//
// Starts `proofgrid hub start` on a fresh data directory (and, for PostgreSQL, a fresh database on
// PROOFGRID_TEST_POSTGRES_URL), fills one program with input groups, then runs `--clients` concurrent
// clients that each loop: GET /program/program-and-inputs/{id} (lease + tar), POST /program/proof (under
// the lease), until every group is proven. Prints cycles per second and cycle latency percentiles.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTar } from '@proofgrid/core';
import { createTestPostgresDatabase } from '../test/support/postgres.ts';

const { values: flags } = parseArgs({
  options: {
    driver: { type: 'string', default: 'both' },
    clients: { type: 'string', default: '50' },
    groups: { type: 'string', default: '6000' },
  },
});
const CLIENTS = Number(flags.clients);
const GROUPS = Number(flags.groups);
/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;
const CLI = new URL('../packages/cli/bin/proofgrid.js', import.meta.url).pathname;
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 8 });

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

function call(
  url: string,
  method: string,
  headers: Record<string, string | number>,
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function multipartBody(fileName: string, file: Buffer, data: unknown): { body: Buffer; contentType: string } {
  const boundary = `bench${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${JSON.stringify(data)}\r\n`,
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function json(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload?: unknown,
): Promise<unknown> {
  const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
  const reply = await call(
    url,
    method,
    body ? { ...headers, 'content-type': 'application/json', 'content-length': body.length } : headers,
    body,
  );
  const parsed = JSON.parse(reply.body.toString());
  if (parsed.status !== 'success') throw new Error(`${method} ${url}: ${reply.body}`);
  return parsed.data;
}

async function startHub(args: string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_HUB_NODE_OPTIONS ? process.env.BENCH_HUB_NODE_OPTIONS.split(' ') : []),
      CLI,
      'hub',
      'start',
      '--port',
      '0',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}: ${output}`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function prepare(url: string): Promise<{ programId: string; organizationId: string }> {
  const username = `bench-${randomUUID().slice(0, 8)}`;
  await json(
    `${url}/account/register`,
    'POST',
    {},
    { username, password: 'benchmark password', name: 'Bench', description: '' },
  );
  const login = (await json(
    `${url}/account/login`,
    'POST',
    {},
    { username, password: 'benchmark password' },
  )) as { basic_token: { token: string } };
  const token = login.basic_token.token;
  const organizationId = JSON.parse(
    Buffer.from(token.split('.')[1] ?? '', 'base64url').toString(),
  ).organization_id;
  const archive = Buffer.from(writeTar([{ path: 'program.bin', data: new Uint8Array(10 * 1024).fill(7) }]));
  const programForm = multipartBody('program.tar', archive, {
    name: 'bench',
    description: '',
    execution_timeout: 600,
  });
  const uploaded = await call(
    `${url}/program/upload`,
    'POST',
    { token, 'content-type': programForm.contentType, 'content-length': programForm.body.length },
    programForm.body,
  );
  const programId = JSON.parse(uploaded.body.toString()).data.program_id;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < GROUPS; i = next++) {
        const csv = Buffer.from(`${Buffer.from([0, 0, (i >> 8) & 255, i & 255]).toString('base64')}\n`);
        const form = multipartBody(`g${i}.csv`, csv, { name: `g${i}` });
        const reply = await call(
          `${url}/program/inputs/${programId}`,
          'POST',
          { token, 'content-type': form.contentType, 'content-length': form.body.length },
          form.body,
        );
        if (reply.status !== 200) throw new Error(`input upload: ${reply.body}`);
      }
    }),
  );
  return { programId, organizationId };
}

async function drive(url: string, programId: string, organizationId: string) {
  const latenciesMs: number[] = [];
  let failures = 0;
  const startedMs = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      // Every client stops when the queue is empty; bounded by the number of groups.
      for (let cycle = 0; cycle <= GROUPS; cycle++) {
        const t0 = performance.now();
        const lease = await call(`${url}/program/program-and-inputs/${programId}`, 'GET', {});
        if (lease.status === 404) return;
        if (lease.status !== 200) throw new Error(`reserve: ${lease.status} ${lease.body}`);
        const form = multipartBody('proof.bin', Buffer.from(`proof ${cycle}`), {
          organization_id: organizationId,
          program_id: programId,
          input_group_id: lease.headers['proofgrid-input-group-id'],
          lease_id: lease.headers['proofgrid-lease-id'],
        });
        const upload = await call(
          `${url}/program/proof`,
          'POST',
          { 'content-type': form.contentType, 'content-length': form.body.length },
          form.body,
        );
        if (upload.status !== 200) failures += 1;
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const elapsedS = (performance.now() - startedMs) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const at = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? Number.NaN;
  return {
    cycles: latenciesMs.length,
    failures,
    elapsedS,
    perSecond: latenciesMs.length / elapsedS,
    p50: at(0.5),
    p99: at(0.99),
  };
}

/** CPU time (user + system) a process has used so far, from /proc (Linux). */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

async function run(driver: 'pglite' | 'postgres') {
  const dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-bench-'));
  const database = driver === 'postgres' ? await createTestPostgresDatabase() : undefined;
  const hub = await startHub(['--data-dir', dataDir, ...(database ? ['--database-url', database.url] : [])]);
  try {
    const { programId, organizationId } = await prepare(hub.url);
    const cpuBeforeMs = cpuTimeMs(hub.pid);
    const result = await drive(hub.url, programId, organizationId);
    const hubCpuMsPerCycle = (cpuTimeMs(hub.pid) - cpuBeforeMs) / result.cycles;
    console.log(
      `${driver.padEnd(8)} ${CLIENTS} clients, ${result.cycles} cycles in ${result.elapsedS.toFixed(1)} s: ` +
        `${result.perSecond.toFixed(0)} cycles/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ` +
        `hub CPU ${hubCpuMsPerCycle.toFixed(2)} ms/cycle, ${result.failures} failed uploads`,
    );
  } finally {
    await hub.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (const driver of flags.driver === 'both'
  ? (['pglite', 'postgres'] as const)
  : [flags.driver as 'pglite' | 'postgres']) {
  await run(driver);
}
agent.destroy();
