// Benchmark: the market on a real hub process over HTTP on loopback, through the SDK.
//
//   npm run build && npm run bench:market                      # both drivers
//   npm run bench:market -- --driver pglite --fills 400 --concurrency 16 --tasks 600 --workers 12 --trust 3
//
// For each driver: a hub (`proofgrid hub start`, faucet credits, audit 5%), the primality program sold by a
// program order and run by a pool order, then
//   1. fills: `--fills` requests of one task each, `--concurrency` at a time → deals per second, and the
//      ledger entries per second they write (each deal locks an escrow and a pool stake);
//   2. adaptive replication: one deal of `--tasks` tasks at `--trust`, run by `--workers` simulated honest
//      workers (each its own account, signing its requests, answering a hash of its input) until every task
//      is settled → the verification share (replicas beyond the first over all replicas run), overall and
//      over the last half once the workers have records, and the ledger entries per second of the
//      settlements; then the same number of tasks under plain replication (the primality manifest's 2
//      replicas, outside the market) for comparison.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HubClient,
  memoryTokenStore,
  OrganizationSession,
  Program,
  routes,
  WorkerClient,
} from '@proofgrid/client';
import {
  encodeBase64,
  encodeInputCsv,
  inputsHash,
  keyPairFromSeed,
  NANO_PER_CREDIT,
  type PoolOrder,
  type ProgramOrder,
  type RequestOrder,
  signCanonical,
  signOrder,
  writeTar,
} from '@proofgrid/core';
import {
  openOrganizationAccount,
  resolvePending,
  SYSTEM,
  transfer,
} from '../packages/hub/src/market/ledger/ledger.ts';
import { migrate } from '../packages/hub/src/store/migrate.ts';
import { openPgliteStore } from '../packages/hub/src/store/openPgliteStore.ts';
import { openPostgresStore } from '../packages/hub/src/store/openPostgresStore.ts';
import type { Store } from '../packages/hub/src/store/Store.ts';
import { createTestPostgresDatabase } from '../test/support/postgres.ts';
import { startHub } from './support/cliProcess.ts';

const { values: flags } = parseArgs({
  options: {
    driver: { type: 'string', default: 'both' },
    fills: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '16' },
    tasks: { type: 'string', default: '600' },
    workers: { type: 'string', default: '12' },
    trust: { type: 'string', default: '3' },
    entries: { type: 'string', default: '5000' },
  },
});
const ENTRIES = Number(flags.entries);

/**
 * The ledger alone, in this process: `--entries` posted transfers among 20 accounts, each in its own
 * transaction with its balance check (as every payment is), then the same as pending + post pairs.
 * Balances are sums over an account's entries, so the rate is measured again once the ledger has grown.
 */
async function ledgerAlone(driver: 'pglite' | 'postgres'): Promise<void> {
  const database = driver === 'postgres' ? await createTestPostgresDatabase() : undefined;
  const store: Store =
    database === undefined
      ? await openPgliteStore({ dataDir: 'memory://' })
      : await openPostgresStore({
          databaseUrl: database.url,
          connectionsMax: 8,
          onIdleError: () => undefined,
        });
  try {
    await migrate(store);
    const accounts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = crypto.randomUUID();
      await store.query(
        `INSERT INTO account (organization_id, username, password_hash, name, description, created_at) VALUES ($1, $2, 'x', 'n', '', now())`,
        [id, `bench-${id}`],
      );
      accounts.push(await store.transaction((tx) => openOrganizationAccount(tx, id, new Date())));
    }
    for (const account of accounts)
      await store.transaction((tx) =>
        transfer(
          tx,
          { debit: SYSTEM.faucet, credit: account, amount: 1e12, code: 'faucet', reason: 'bench' },
          new Date(),
        ),
      );
    const round = async (label: string) => {
      const t0 = performance.now();
      for (let i = 0; i < ENTRIES; i++) {
        const debit = accounts[i % 20] as string;
        const credit = accounts[(i + 7) % 20] as string;
        await store.transaction((tx) =>
          transfer(
            tx,
            { debit, credit, amount: 1 + (i % 1000), code: 'pool_payment', reason: 'bench' },
            new Date(),
          ),
        );
      }
      const posted = ENTRIES / ((performance.now() - t0) / 1000);
      const t1 = performance.now();
      for (let i = 0; i < ENTRIES / 2; i++) {
        const debit = accounts[i % 20] as string;
        await store.transaction(async (tx) => {
          const id = await transfer(
            tx,
            { debit, credit: SYSTEM.escrow, amount: 10, code: 'escrow', pending: true, reason: 'bench' },
            new Date(),
          );
          await resolvePending(
            tx,
            { pendingId: id, outcome: 'post', code: 'escrow', reason: 'bench' },
            new Date(),
          );
        });
      }
      const twoPhase = ENTRIES / ((performance.now() - t1) / 1000);
      const entries = Number(
        (await store.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_transfer')).rows[0]?.n,
      );
      console.log(
        `${driver}: ledger alone ${label}: ${posted.toFixed(0)} posted transfers/s, ${twoPhase.toFixed(0)} entries/s as pending + post (ledger now ${entries} entries, ${Math.round(entries / 20)} per account)`,
      );
    };
    await round('fresh');
    await round('grown');
  } finally {
    await store.close();
    await database?.drop();
  }
}
const FILLS = Number(flags.fills);
const CONCURRENCY = Number(flags.concurrency);
const TASKS = Number(flags.tasks);
const WORKERS = Number(flags.workers);
const TRUST = Number(flags.trust);
const PRIMALITY = new URL('../examples/primality/', import.meta.url).pathname;
const OFFER = { memory_pages_max: 256, fuel_per_second: 1_000_000_000, seconds_available: 3600 };
const PRICE = NANO_PER_CREDIT / 1_000;

type Trader = Awaited<ReturnType<typeof trader>>;

async function trader(hub: HubClient, name: string, credits: number) {
  const username = `${name}-${randomBytes(4).toString('hex')}`;
  await hub.call(routes.register, { body: { username, password: 'bench password', name, description: '' } });
  const store = memoryTokenStore();
  const session = await OrganizationSession.login({
    url: hub.url,
    username,
    password: 'bench password',
    store,
  });
  const wallet = keyPairFromSeed(new Uint8Array(randomBytes(32)));
  const address = Buffer.from(wallet.publicKey).toString('hex');
  const organizationId = (await session.call(routes.marketAccount, {})).organization_id;
  const value = { organization_id: organizationId, address };
  const signature = Buffer.from(
    signCanonical({ secretKey: wallet.secretKey, domain: 'proofgrid.market.link.v1', value }),
  ).toString('hex');
  await session.call(routes.linkWallet, { body: { address, signature } });
  for (let left = credits; left > 0; left -= 1_000)
    await session.call(routes.useFaucet, { body: { amount: Math.min(left, 1_000) * NANO_PER_CREDIT } });
  return { session, wallet, address, organizationId, token: () => store.read()?.basicToken as string };
}

/** Runs `jobs` with at most `limit` at a time. */
async function limited<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const index = next++;
        try {
          results[index] = { status: 'fulfilled', value: await (jobs[index] as () => Promise<T>)() };
        } catch (reason) {
          results[index] = { status: 'rejected', reason };
        }
      }
    }),
  );
  return results;
}

const csv = (n: number) =>
  encodeBase64(new TextEncoder().encode(encodeInputCsv([new Uint8Array(new Uint32Array([n]).buffer)])));

function request(requester: Trader, program: string, pool: string, inputs: string[], trust: number) {
  return signOrder<RequestOrder>(
    {
      kind: 'request',
      program,
      program_max_price: PRICE,
      pool,
      pool_max_price: PRICE,
      requester: requester.organizationId,
      volume: inputs.length,
      tag: [],
      category: 'BENCH',
      trust,
      params: '',
      inputs_hash: inputsHash(inputs),
      salt: randomBytes(8).toString('hex'),
      signer: requester.address,
    },
    requester.wallet.secretKey,
  );
}

/** Simulated honest workers of `pool` (or of no pool): lease, answer a hash of the input, until `done()`. */
async function runWorkers(workers: WorkerClient[], done: () => Promise<boolean>): Promise<number> {
  let replicas = 0;
  let finished = false;
  await Promise.all(
    workers.map(async (worker) => {
      while (!finished) {
        const { leases } = await worker.lease({ ...OFFER, replicas_max: 4 });
        if (leases.length === 0) {
          if (await done()) finished = true;
          else await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        for (const lease of leases) {
          const output = createHash('sha256').update(lease.input.join(',')).digest();
          await worker.submit(lease.replica_id, {
            output,
            fuelUsed: 1_000,
            exitCode: 0,
            log: '',
            failure: null,
          });
          replicas++;
        }
      }
    }),
  );
  return replicas;
}

async function bench(driver: 'pglite' | 'postgres'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'proofgrid-bench-market-'));
  const database = driver === 'postgres' ? await createTestPostgresDatabase() : undefined;
  const server = await startHub([
    '--port',
    '0',
    '--data-dir',
    dir,
    '--category',
    'BENCH=3600',
    '--audit-percent',
    '5',
    ...(database === undefined ? [] : ['--database-url', database.url]),
  ]);
  try {
    const hub = new HubClient({ url: server.url });
    const owner = await trader(hub, 'owner', 0);
    const manager = await trader(hub, 'manager', 5_000);
    const requester = await trader(hub, 'requester', 20_000);
    const ledger = async () => (await requester.session.call(routes.checkLedger, {})).transfers;
    const archive = writeTar([
      { path: 'proofgrid.json', data: readFileSync(join(PRIMALITY, 'proofgrid.json')) },
      { path: 'build/program.wasm', data: readFileSync(join(PRIMALITY, 'build/program.wasm')) },
    ]);
    const program = await Program.upload(owner.session, { name: 'primality', archive });
    await owner.session.call(routes.publishOrder, {
      body: signOrder<ProgramOrder>(
        {
          kind: 'program',
          program: program.id,
          price: PRICE,
          volume: 10_000,
          tag: [],
          pool_restrict: '',
          requester_restrict: '',
          salt: '01',
          signer: owner.address,
        },
        owner.wallet.secretKey,
      ),
    });
    const { pool_id: pool } = await manager.session.call(routes.createPool, {
      body: { name: 'bench', description: '', worker_share_percent: 70 },
    });
    await manager.session.call(routes.publishOrder, {
      body: signOrder<PoolOrder>(
        {
          kind: 'pool',
          pool,
          price: PRICE,
          volume: 10_000,
          tag: [],
          category: 'BENCH',
          trust: 100,
          program_restrict: '',
          requester_restrict: '',
          salt: '02',
          signer: manager.address,
        },
        manager.wallet.secretKey,
      ),
    });

    // 1. Fills.
    const beforeFills = await ledger();
    const started = performance.now();
    const fills = await limited(
      CONCURRENCY,
      Array.from({ length: FILLS }, (_, i) => () => {
        const inputs = [csv(i)];
        return requester.session.call(routes.fillOrders, {
          body: { request: request(requester, program.id, pool, inputs, 1), inputs },
        });
      }),
    );
    const fillSeconds = (performance.now() - started) / 1000;
    const made = fills.filter((fill) => fill.status === 'fulfilled').length;
    const fillEntries = (await ledger()) - beforeFills;
    console.log(
      `${driver}: ${made}/${FILLS} fills in ${fillSeconds.toFixed(1)} s → ${(made / fillSeconds).toFixed(1)} fills/s, ${(fillEntries / fillSeconds).toFixed(0)} ledger entries/s (${CONCURRENCY} at a time)`,
    );

    // 2. Adaptive replication: the deal's tasks, run by workers whose records grow as they go.
    const workers: WorkerClient[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const account = await trader(hub, `worker${i}`, 100);
      const worker = new WorkerClient({
        hub,
        keys: keyPairFromSeed(new Uint8Array(randomBytes(32))),
        now: () => Date.now(),
      });
      await worker.register({ name: `w${i}`, token: account.token() });
      await worker.call(routes.joinPool, { params: { pool_id: pool } });
      workers.push(worker);
    }
    // The fills' tasks come first: let the workers clear them, uncounted.
    const settledOf = async (dealIds: string[]) => {
      let settled = 0;
      for (const id of dealIds) {
        const view = (await requester.session.call(routes.showDeal, { params: { deal_id: id } })) as {
          tasks: { outcome: string | null }[];
        };
        settled += view.tasks.filter((task) => task.outcome !== null).length;
      }
      return settled;
    };
    const fillDeals = fills.flatMap((fill) => (fill.status === 'fulfilled' ? [fill.value.deal_id] : []));
    await runWorkers(workers, async () => (await settledOf(fillDeals)) === fillDeals.length);

    const warm = (await Promise.all(workers.map((w) => w.me()))).map((me) => me.reputation.consecutive_valid);
    console.log(
      `${driver}: the ${WORKERS} workers start phase 2 with ${Math.min(...warm)}–${Math.max(...warm)} clean results each (from clearing the fills' tasks at trust 1)`,
    );
    const half = Math.floor(TASKS / 2);
    const phase = async (count: number, offset: number) => {
      // A request carries at most 256 input files: a larger phase is several deals.
      const dealIds: string[] = [];
      for (let start = 0; start < count; start += 256) {
        const inputs = Array.from({ length: Math.min(256, count - start) }, (_, i) =>
          csv(1_000_000 + offset + start + i),
        );
        const deal = await requester.session.call(routes.fillOrders, {
          body: { request: request(requester, program.id, pool, inputs, TRUST), inputs },
        });
        dealIds.push(deal.deal_id);
      }
      const beforeSettle = await ledger();
      const t0 = performance.now();
      const replicas = await runWorkers(workers, async () => (await settledOf(dealIds)) === count);
      const seconds = (performance.now() - t0) / 1000;
      return { replicas, seconds, entries: (await ledger()) - beforeSettle };
    };
    const first = await phase(half, 0);
    const second = await phase(TASKS - half, half);
    const share = (replicas: number, tasks: number) =>
      `${(((replicas - tasks) / replicas) * 100).toFixed(1)}%`;
    console.log(
      `${driver}: adaptive replication at trust ${TRUST}, ${WORKERS} workers, ${TASKS} tasks: ${first.replicas + second.replicas} replicas → verification share ${share(first.replicas + second.replicas, TASKS)} overall, ${share(second.replicas, TASKS - half)} over the last ${TASKS - half} tasks (first ${half}: ${share(first.replicas, half)})`,
    );
    console.log(
      `${driver}: settlements: ${((first.entries + second.entries) / (first.seconds + second.seconds)).toFixed(0)} ledger entries/s, ${(TASKS / (first.seconds + second.seconds)).toFixed(1)} tasks settled/s (leases, submissions and verdicts included)`,
    );

    // Plain replication, for comparison: the same number of tasks outside the market, 2 replicas each.
    const plain = await Program.upload(requester.session, { name: 'primality-plain', archive });
    const replicated: Promise<unknown>[] = [];
    for (let i = 0; i < TASKS; i++)
      replicated.push(
        requester.session.call(routes.uploadInputGroup, {
          params: { program_id: plain.id },
          file: { name: `g${i}.csv`, bytes: Buffer.from(csv(2_000_000 + i), 'base64') },
          data: { name: `g${i}` },
        } as never),
      );
    await limited(
      8,
      replicated.map((p) => () => p),
    );
    const outsiders: WorkerClient[] = [];
    for (let i = 0; i < 4; i++) {
      const worker = new WorkerClient({
        hub,
        keys: keyPairFromSeed(new Uint8Array(randomBytes(32))),
        now: () => Date.now(),
      });
      await worker.register({ name: `plain${i}` });
      outsiders.push(worker);
    }
    const plainReplicas = await runWorkers(outsiders, async () => {
      const progress = await requester.session.call(routes.programProgress, {
        params: { program_id: plain.id },
      });
      return progress.done;
    });
    console.log(
      `${driver}: plain replication (2 replicas), ${TASKS} tasks: ${plainReplicas} replicas → verification share ${share(plainReplicas, TASKS)}`,
    );
  } finally {
    await server.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const driver of flags.driver === 'both'
  ? (['pglite', 'postgres'] as const)
  : [flags.driver as 'pglite' | 'postgres']) {
  await ledgerAlone(driver);
  await bench(driver);
}
