import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubClient, isHubError, OrganizationSession, Program, routes, WorkerClient } from '@proofgrid/client';
import { nodeTransport, packProgramFolder } from '@proofgrid/client/node';
import { encodeBase64, inputValue, REPLICAS_PER_LEASE_MAX } from '@proofgrid/core';
import { BLOB_GARBAGE_GRACE_MS, buildHub, DEFAULT_MARKET_CONFIG, openHubDeps } from '@proofgrid/hub';
import { Governor, loadIdentity, runWorker } from '@proofgrid/worker';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';
import { describeProgress } from './job.ts';
import { buildProgram } from './programSource.ts';

const PRIMALITY = fileURLToPath(new URL('../../../../examples/primality/', import.meta.url));
const GROUPS = 4;
const NUMBERS_PER_GROUP = 25;
/** The example verifies each task on two distinct workers, so the local worker runs two identities. */
const LOCAL_WORKER_SLOTS = 2;
const WATCH_INTERVAL_MS = 500;

/**
 * `proofgrid demo` (what `npm start` runs): a hub on the embedded defaults, a local worker, and the
 * primality example uploaded with its inputs; shows progress until every task is verified, saves the
 * results, then keeps the hub and the worker running until Ctrl-C.
 */
export async function demo(args: Arguments, io: CommandIo): Promise<number> {
  if (args.positionals.length > 0) throw args.usage(`unexpected argument "${args.positionals[0]}".`);
  const port = args.integer('port', { min: 0, max: 65_535 }) ?? 8080;
  const dataDir = resolve(args.string('data-dir') ?? './.proofgrid');
  const { deps, close } = await openHubDeps({
    dataDir: join(dataDir, 'hub'),
    // The demo runs WebAssembly only; a Noir program uploaded to it finds the CRS where bb looks.
    crsPath: resolveCrsPath(undefined, io.env),
    blobGraceMs: BLOB_GARBAGE_GRACE_MS,
    market: DEFAULT_MARKET_CONFIG,
    onBackgroundError: (error) =>
      io.err(`hub background task failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  const app = await buildHub({ logger: { level: 'warn' } }, deps);
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`;
  io.out(`ProofGrid hub listening on ${url} (data in ${dataDir})`);
  const controller = new AbortController();
  const workers: Promise<unknown>[] = [];
  try {
    const session = await demoSession(url, dataDir);
    await buildProgram({ dir: PRIMALITY, crsPath: resolveCrsPath(undefined, io.env) }, io);
    const name = `primality-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const program = await Program.upload(session, {
      name,
      archive: await packProgramFolder(PRIMALITY),
      description: 'trial division (seed 004)',
      leaseSeconds: 60,
    });
    let next = 4_294_967_000 - GROUPS * NUMBERS_PER_GROUP;
    for (let group = 1; group <= GROUPS; group++)
      await program.addInputs(
        `numbers-${group}`,
        Array.from({ length: NUMBERS_PER_GROUP }, () => inputValue.u32(next++)),
      );
    io.out(`Uploaded program ${name} with ${GROUPS} input groups of ${NUMBERS_PER_GROUP} numbers.`);
    for (let slot = 1; slot <= LOCAL_WORKER_SLOTS; slot++)
      workers.push(startLocalWorker({ url, dataDir, slot, signal: controller.signal, io }));
    const progress = await program.waitUntilDone({
      pollMs: WATCH_INTERVAL_MS,
      onProgress: (p) => (io.status ?? io.out)(describeProgress(p)),
    });
    if (io.status !== undefined) io.out(describeProgress(progress));
    if (progress.failed + progress.cancelled > 0)
      throw new Error(
        `${progress.failed} task(s) failed. Why: proofgrid task list ${name} --state failed --hub ${url}`,
      );
    const resultsDir = join(dataDir, 'results', name);
    for await (const result of program.results()) {
      if (!('output' in result)) continue;
      await mkdir(join(resultsDir, result.name), { recursive: true });
      await writeFile(join(resultsDir, result.name, 'output'), result.output);
      await writeFile(
        join(resultsDir, result.name, 'verdict.json'),
        `${JSON.stringify(result.verdict, null, 2)}\n`,
      );
    }
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

/** One identity of the local worker, running until the demo stops. */
async function startLocalWorker({
  url,
  dataDir,
  slot,
  signal,
  io,
}: {
  url: string;
  dataDir: string;
  slot: number;
  signal: AbortSignal;
  io: CommandIo;
}): Promise<unknown> {
  const client = new WorkerClient({
    hub: new HubClient({ url, transport: nodeTransport }),
    keys: loadIdentity(join(dataDir, `worker-${slot}`)),
    now: () => Date.now(),
  });
  await client.register({ name: `local worker ${slot}` });
  return runWorker(
    { client, governor: new Governor({ cpus: 1, onlyWhenIdle: undefined }), signal },
    {
      dataDir: join(dataDir, `worker-${slot}`),
      offer: { memory_pages_max: 256, fuel_per_second: 500_000_000, seconds_available: 3600 },
      leasesPerRequest: REPLICAS_PER_LEASE_MAX,
      idleWaitMsMin: 200,
      idleWaitMsMax: 2000,
    },
    {
      onError: (error, during) =>
        io.err(`worker ${slot}, ${during}: ${error instanceof Error ? error.message : String(error)}`),
    },
  );
}

/** The demo organization: its password is generated once and kept in the data directory. */
async function demoSession(url: string, dataDir: string): Promise<OrganizationSession> {
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
    await new HubClient({ url, transport: nodeTransport }).call(routes.register, {
      body: { ...account, name: 'Demo organization', description: 'created by proofgrid demo' },
    });
  } catch (error) {
    if (!isHubError(error, 'USERNAME_ALREADY_EXISTS')) throw error;
  }
  return OrganizationSession.login({ url, ...account, transport: nodeTransport });
}
