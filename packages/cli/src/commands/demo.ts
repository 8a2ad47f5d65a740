import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HubApiError, HubClient, WorkerClient } from '@proofgrid/client';
import { encodeBase64 } from '@proofgrid/core';
import { BLOB_GARBAGE_GRACE_MS, buildHub, openHubDeps } from '@proofgrid/hub';
import { Governor, loadIdentity, runWorker } from '@proofgrid/worker';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';
import type { CommandIo } from './io.ts';
import { packFolder } from './orgPrograms.ts';
import { programBuild } from './program.ts';

const PRIMALITY = fileURLToPath(new URL('../../../../examples/primality/', import.meta.url));
const GROUPS = 4;
const NUMBERS_PER_GROUP = 25;
/** The example verifies each task on two distinct workers, so the local worker runs two identities. */
const LOCAL_WORKER_SLOTS = 2;

/**
 * `proofgrid demo` (what `npm start` runs): a hub on the embedded defaults, a local worker, and the
 * primality example uploaded with its inputs; shows progress until every task is verified, saves the
 * results, then keeps the hub and the worker running until Ctrl-C.
 */
export async function demo(options: { port: number; dataDir: string }, io: CommandIo): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const { deps, close } = await openHubDeps({
    dataDir: join(dataDir, 'hub'),
    // The demo runs WebAssembly only; a Noir program uploaded to it finds the CRS where bb looks.
    crsPath: resolveCrsPath(undefined, io.env),
    blobGraceMs: BLOB_GARBAGE_GRACE_MS,
    onBackgroundError: (error) =>
      io.err(`hub background task failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  const app = await buildHub({ logger: { level: 'warn' } }, deps);
  await app.listen({ port: options.port, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : options.port}`;
  io.out(`ProofGrid hub listening on ${url} (data in ${dataDir})`);
  const controller = new AbortController();
  const workers: Promise<unknown>[] = [];
  try {
    const hub = new HubClient({ url });
    const token = await demoLogin(hub, dataDir);
    await programBuild({ dir: PRIMALITY, crsPath: resolveCrsPath(undefined, io.env) }, io);
    const name = `primality-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const upload = new FormData();
    upload.append('file', new Blob([new Uint8Array(await packFolder(PRIMALITY))]), 'primality.tar');
    upload.append(
      'data',
      JSON.stringify({ name, description: 'trial division (seed 004)', execution_timeout: 60 }),
    );
    const { program_id: programId } = await hub.json<{ program_id: string }>('POST', '/program/upload', {
      token,
      form: upload,
    });
    const groups = await uploadInputs(hub, token, programId);
    io.out(`Uploaded program ${name} with ${groups.length} input groups of ${NUMBERS_PER_GROUP} numbers.`);
    for (let slot = 1; slot <= LOCAL_WORKER_SLOTS; slot++) {
      const client = new WorkerClient({
        hub,
        keys: loadIdentity(join(dataDir, `worker-${slot}`)),
        now: () => Date.now(),
      });
      await client.register({ name: `local worker ${slot}` });
      workers.push(
        runWorker(
          { client, governor: new Governor({ cpus: 1, onlyWhenIdle: undefined }), signal: controller.signal },
          {
            dataDir: join(dataDir, `worker-${slot}`),
            offer: { memory_pages_max: 256, fuel_per_second: 500_000_000, seconds_available: 3600 },
            idleWaitMsMin: 200,
            idleWaitMsMax: 2000,
          },
          {
            onError: (error, during) =>
              io.err(`worker ${slot}, ${during}: ${error instanceof Error ? error.message : String(error)}`),
          },
        ),
      );
    }
    await watch(hub, token, programId, io);
    const resultsDir = join(dataDir, 'results', name);
    await download(hub, token, { programId, groups, resultsDir });
    io.out(`Every task is verified by two workers. Results: ${resultsDir}/<group>/output and verdict.json`);
    io.out(`The hub (${url}) and the local worker keep running; press Ctrl-C to stop.`);
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    io.out('Stopping...');
    return 0;
  } finally {
    controller.abort();
    await Promise.allSettled(workers);
    await app.close();
    await close();
  }
}

/** The demo organization: its password is generated once and kept in the data directory. */
async function demoLogin(hub: HubClient, dataDir: string): Promise<string> {
  const path = join(dataDir, 'demo-account.json');
  let account: { username: string; password: string };
  try {
    account = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    account = { username: 'demo', password: encodeBase64(new Uint8Array(randomBytes(18))) };
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(account)}\n`, { mode: 0o600 });
  }
  try {
    await hub.register({ ...account, name: 'Demo organization', description: 'created by proofgrid demo' });
  } catch (error) {
    if (!(error instanceof HubApiError && error.code === 'USERNAME_ALREADY_EXISTS')) throw error;
  }
  return (await hub.login(account)).basic_token.token;
}

async function uploadInputs(
  hub: HubClient,
  token: string,
  programId: string,
): Promise<{ id: string; name: string }[]> {
  const groups: { id: string; name: string }[] = [];
  let next = 4_294_967_000 - GROUPS * NUMBERS_PER_GROUP;
  for (let g = 1; g <= GROUPS; g++) {
    const rows: string[] = [];
    for (let i = 0; i < NUMBERS_PER_GROUP; i++, next++)
      rows.push(
        Buffer.from([next >>> 24, (next >>> 16) & 255, (next >>> 8) & 255, next & 255]).toString('base64'),
      );
    const form = new FormData();
    form.append('file', new Blob([new TextEncoder().encode(`${rows.join('\n')}\n`)]), `numbers-${g}.csv`);
    form.append('data', JSON.stringify({ name: `numbers-${g}` }));
    const { input_group_id } = await hub.json<{ input_group_id: string }>(
      'POST',
      `/program/inputs/${programId}`,
      { token, form },
    );
    groups.push({ id: input_group_id, name: `numbers-${g}` });
  }
  return groups;
}

async function watch(hub: HubClient, token: string, programId: string, io: CommandIo): Promise<void> {
  for (;;) {
    const p = await hub.json<{
      total: number;
      verified: number;
      failed: number;
      leased: number;
      queued: number;
    }>('GET', `/program/${programId}/progress`, { token });
    const done = p.verified + p.failed;
    io.out(
      `[${'#'.repeat(done * 4)}${'.'.repeat((p.total - done) * 4)}] ${done}/${p.total}: ${p.verified} verified, ${p.leased} running, ${p.queued} queued`,
    );
    if (done === p.total) {
      if (p.failed > 0)
        throw new Error(`${p.failed} task(s) failed; see GET /program/${programId}/results/<group>.`);
      return;
    }
    await sleep(500);
  }
}

async function download(
  hub: HubClient,
  token: string,
  {
    programId,
    groups,
    resultsDir,
  }: { programId: string; groups: { id: string; name: string }[]; resultsDir: string },
) {
  for (const group of groups) {
    const response = await hub.send('GET', `/program/${programId}/results/${group.id}`, { token });
    await mkdir(join(resultsDir, group.name), { recursive: true });
    await writeFile(join(resultsDir, group.name, 'output'), new Uint8Array(await response.arrayBuffer()));
    await writeFile(
      join(resultsDir, group.name, 'verdict.json'),
      `${JSON.stringify(JSON.parse(response.headers.get('proofgrid-verdict') ?? '{}'), null, 2)}\n`,
    );
  }
}
