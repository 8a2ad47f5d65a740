import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubClient, routes, WorkerClient } from '@proofgrid/client';
import { keyPairFromSeed } from '@proofgrid/core';
import { freePort, type NodeProcess, startNodeProcess } from '../../node/test/support/nodeProcess.ts';
import { EXAMPLES } from './support/examples.ts';
import { type HubProcess, runCli, runNode, startHubProcess } from './support/hubProcess.ts';

const CLI = new URL('../bin/proofgrid.js', import.meta.url).pathname;
const CREDIT = 1_000_000_000;
const PASSWORD = 'correct horse battery';
const WAIT_MS_MAX = 180_000;

/** One person of the market: a config folder (login, wallet) of their own, and the CLI run as them. */
type Actor = { name: string; env: NodeJS.ProcessEnv; address: string };

describe('the market on real processes: a chain node, a hub on it, pools of worker processes', () => {
  let dir: string;
  let node: NodeProcess;
  let hub: HubProcess;
  let hubPort: number;
  const workers: ChildProcess[] = [];
  const actors = new Map<string, Actor>();
  let programId: string;

  const cli = async (actor: Actor | null, args: string[]) => {
    const result = await runCli(args, actor?.env ?? { PROOFGRID_HUB: hub.url, PROOFGRID_NODE: node.url });
    return result;
  };
  const json = async (actor: Actor, args: string[]) => {
    const result = await cli(actor, [...args, '--json']);
    assert.equal(
      result.code,
      0,
      `${actor.name}: proofgrid ${args.join(' ')}\n${result.stderr}${result.stdout}`,
    );
    return JSON.parse(result.stdout);
  };
  const actor = (name: string) => actors.get(name) as Actor;
  /** The hub's audit of its whole ledger: conserved, nothing negative, nothing resolved twice, every balance re-derived. */
  const assertLedgerSound = async () => {
    const client = new HubClient({ url: hub.url });
    const login = await client.call(routes.login, {
      body: { username: 'user-requester', password: PASSWORD },
    });
    const ledger = await client.call(routes.checkLedger, {}, { token: login.basic_token.token });
    assert.deepEqual(
      [ledger.posted_sum, ledger.negative, ledger.bad_resolutions, ledger.mismatched],
      [0, [], 0, []],
    );
  };
  const hubBalance = async (name: string) =>
    (await json(actor(name), ['account', 'show'])).hub.balance.available as number;
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + WAIT_MS_MAX;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\nhub:\n${hub.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const startWorker = (name: string, pool: string) => {
    const child = spawn(
      process.execPath,
      [CLI, 'worker', 'start', '--pool', pool, '--data-dir', join(dir, name, 'worker'), '--name', name],
      { env: { ...process.env, ...actor(name).env }, stdio: 'ignore' },
    );
    workers.push(child);
    return child;
  };
  const inputs = async (name: string, groups: number, perGroup: number, start = 4_294_960_000) => {
    const out = join(dir, `inputs-${name}`);
    const made = await runNode([
      join(EXAMPLES, 'primality/generate-inputs.mjs'),
      '--out',
      out,
      '--groups',
      String(groups),
      '--per-group',
      String(perGroup),
      '--start',
      String(start),
    ]);
    assert.equal(made.code, 0, made.stderr);
    return out;
  };
  const startHub = async () => {
    hub = await startHubProcess([
      '--port',
      String(hubPort),
      '--data-dir',
      join(dir, 'hub'),
      '--chain',
      node.url,
      '--confirmations',
      '2',
      '--category',
      'TEST=2',
      '--anchor-seconds',
      '2',
      '--audit-percent',
      '0',
    ]);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proofgrid-market-'));
    assert.equal((await runCli(['program', 'build', join(EXAMPLES, 'primality')])).code, 0);
    const names = [
      'requester',
      'owner',
      'operator',
      'managerA',
      'managerB',
      'managerC',
      'a1',
      'a2',
      'a3',
      'liar',
      'b1',
      'b2',
    ];
    for (const name of names) {
      const env = {
        PROOFGRID_CONFIG_DIR: join(dir, name),
        PROOFGRID_WALLET_PASSPHRASE: 'wallet passphrase',
        PROOFGRID_PASSWORD: PASSWORD,
      };
      const made = await runCli(['wallet', 'create', '--json'], env);
      assert.equal(made.code, 0, made.stderr);
      actors.set(name, { name, env, address: JSON.parse(made.stdout).address });
    }
    const key = await runCli(['node', 'key', '--data-dir', join(dir, 'node'), '--json']);
    const genesis = await runCli([
      'node',
      'genesis',
      '--network-id',
      'market-e2e',
      '--employer-confidence',
      '1',
      '--stakeholders',
      '1',
      '--try-interval-ms',
      '500',
      '--allocate',
      `${JSON.parse(key.stdout).address}=1000`,
      ...names.flatMap((name) => ['--allocate', `${actor(name).address}=100`]),
      '--out',
      join(dir, 'genesis.json'),
    ]);
    assert.equal(genesis.code, 0, genesis.stderr);
    node = await startNodeProcess(['--genesis', join(dir, 'genesis.json')], {
      port: await freePort(),
      p2pPort: await freePort(),
      dataDir: join(dir, 'node'),
    });
    hubPort = await freePort();
    await startHub();
    for (const a of actors.values()) {
      Object.assign(a.env, { PROOFGRID_HUB: hub.url, PROOFGRID_NODE: node.url });
      const registered = await cli(a, [
        'account',
        'register',
        '--username',
        `user-${a.name}`,
        '--name',
        a.name,
      ]);
      assert.equal(registered.code, 0, registered.stderr);
      assert.equal((await cli(a, ['account', 'login', '--username', `user-${a.name}`])).code, 0);
    }
    // Funding comes from the chain only: deposits from the wallets, credited after 2 confirmations.
    const amounts: Record<string, string> = {
      requester: '20',
      managerA: '2',
      managerB: '2',
      managerC: '2',
      a1: '1',
      a2: '1',
      a3: '1',
      liar: '1',
      b1: '1',
      b2: '1',
    };
    await Promise.all(
      Object.entries(amounts).map(async ([name, amount]) => {
        const deposit = await json(actor(name), ['account', 'deposit', amount, '--wait']);
        assert.equal(deposit.credited, true);
      }),
    );
    // The operator pays the receipt anchors' fees: it sends coins to the hub's address (no account of its own).
    const status = (await new HubClient({ url: hub.url }).call(routes.marketStatus, {})) as {
      hub_key: string;
    };
    assert.equal(
      (await cli(actor('operator'), ['wallet', 'send', '--to', status.hub_key, '--amount', '5', '--wait']))
        .code,
      0,
    );
    const upload = await json(actor('owner'), [
      'program',
      'upload',
      join(EXAMPLES, 'primality'),
      '--name',
      'primality',
    ]);
    programId = upload.program_id;
    await json(actor('owner'), ['program', 'publish', 'primality', '--price', '0.1']);
  });

  after(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await hub?.stop('SIGTERM');
    await node?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('pays a deal to the nano-credit: deposit, fill, consensus, a liar slashed and its stake paid to the honest, withdraw', async () => {
    const { pool_id: pool } = await json(actor('managerA'), [
      'pool',
      'create',
      '--name',
      'pool A',
      '--worker-share',
      '70',
    ]);
    await json(actor('managerA'), [
      'pool',
      'publish',
      pool,
      '--price',
      '0.2',
      '--category',
      'TEST',
      '--trust',
      '3',
    ]);
    const book = await json(actor('requester'), [
      'orderbook',
      'show',
      '--category',
      'TEST',
      '--min-trust',
      '3',
    ]);
    assert.ok(
      book.some((order: { signed: { order: { pool: string } } }) => order.signed.order.pool === pool),
    );

    // The liar: a worker of pool A that answers without running anything.
    const hubClient = new HubClient({ url: hub.url });
    const login = await hubClient.call(routes.login, { body: { username: 'user-liar', password: PASSWORD } });
    const liar = new WorkerClient({
      hub: hubClient,
      keys: keyPairFromSeed(new Uint8Array(randomBytes(32))),
      now: () => Date.now(),
    });
    await liar.register({ name: 'liar', token: login.basic_token.token });
    await liar.call(routes.joinPool, { params: { pool_id: pool } });

    const deal = await json(actor('requester'), [
      'run',
      programId,
      '--inputs',
      await inputs('a', 1, 20),
      '--category',
      'TEST',
      '--trust',
      '3',
      '--pool',
      pool,
    ]);
    assert.equal(
      await hubBalance('requester'),
      20 * CREDIT - 0.3 * CREDIT,
      'the escrow locks program + pool price',
    );
    const lease = await until(
      'the liar to get the task',
      async () =>
        (await liar.lease({ memory_pages_max: 256, fuel_per_second: 1e9, seconds_available: 3600 })).lease ??
        undefined,
    );
    const lie = await liar.submit(lease.replica_id, {
      output: new TextEncoder().encode('every number is prime'),
      fuelUsed: 1,
      exitCode: 0,
      log: '',
      failure: null,
    });
    assert.equal(lie.verdict, 'add_replica', 'one new worker is not enough at trust 3');
    for (const name of ['a1', 'a2', 'a3']) startWorker(name, pool);
    const shown = await until('the deal to be settled', async () => {
      const view = await json(actor('requester'), ['deal', 'show', deal.deal_id]);
      return view.tasks.every((task: { outcome: string | null }) => task.outcome !== null) ? view : undefined;
    });
    assert.equal(shown.tasks[0].outcome, 'paid');
    const taskId = deal.task_ids[0];
    const task = await json(actor('requester'), ['task', 'show', taskId, '--download', join(dir, 'out-a')]);
    assert.match(readFileSync(join(dir, 'out-a'), 'utf8'), /4294960/, 'the verified output is downloaded');
    const judged = task.replicas.map((r: { judgement: string }) => r.judgement).sort();
    assert.deepEqual(judged, ['agreed', 'agreed', 'agreed', 'outvoted']);

    // To the nano-credit. Pot: 70% of 0.2 + the liar's 0.06 = 0.2, a third each (66666666); the pool keeps the rest.
    assert.equal(await hubBalance('requester'), 19.7 * CREDIT);
    assert.equal(await hubBalance('owner'), 0.1 * CREDIT);
    for (const name of ['a1', 'a2', 'a3']) assert.equal(await hubBalance(name), CREDIT + 66_666_666, name);
    assert.equal(await hubBalance('liar'), CREDIT - 0.06 * CREDIT, "the liar's stake is seized");
    assert.equal(await hubBalance('managerA'), 2 * CREDIT + 0.26 * CREDIT - 3 * 66_666_666);
    await assertLedgerSound();

    // A receipt of the liar's seizure, checked offline against the root anchored on chain.
    const seizure = task.transfers.findIndex(
      (t: { code: string; flag: string }) => t.code === 'stake_seized' && t.flag === 'post_pending',
    );
    assert.ok(seizure >= 0);
    const file = join(dir, 'receipt.json');
    await until('the receipts to be anchored on chain', async () => {
      const proof = await json(actor('requester'), [
        'receipt',
        'show',
        String(task.receipts[0].seq),
        '--out',
        file,
      ]);
      return proof.anchor?.chainHeight != null ? proof : undefined;
    });
    const verified = await json(actor('requester'), ['receipt', 'verify', file, '--node', node.url]);
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.ok(verified.checks.some((c: { check: string; ok: boolean }) => c.check === 'on chain' && c.ok));
    const forged = JSON.parse(readFileSync(file, 'utf8'));
    forged.signed.receipt.body.outcome = 'refunded';
    writeFileSync(file, JSON.stringify(forged));
    const refused = await cli(actor('requester'), ['receipt', 'verify', file]);
    assert.equal(refused.code, 1, 'a changed receipt does not hold');
    assert.match(refused.stdout, /FAILED/);

    // Withdraw: the hub sends a chain transfer back; the amount and its fee leave the account.
    const before = (await json(actor('a1'), ['account', 'show'])).wallet.chain_balance_micro as number;
    const withdrawal = await json(actor('a1'), ['account', 'withdraw', '1', '--wait']);
    assert.equal(withdrawal.state, 'confirmed');
    assert.equal(await hubBalance('a1'), 66_666_666 - 1_000_000, 'the amount and the 0.001 fee');
    const afterWithdraw = (await json(actor('a1'), ['account', 'show'])).wallet.chain_balance_micro as number;
    assert.equal(afterWithdraw - before, 1_000_000, 'one coin arrived in the wallet');
  });

  it('loses no credit and pays no one twice when the hub is killed mid-deal', async () => {
    const { pool_id: pool } = await json(actor('managerB'), ['pool', 'create', '--name', 'pool B']);
    await json(actor('managerB'), [
      'pool',
      'publish',
      pool,
      '--price',
      '0.2',
      '--category',
      'TEST',
      '--trust',
      '1',
    ]);
    for (const name of ['b1', 'b2']) startWorker(name, pool);
    const before = await hubBalance('requester');
    const deal = await json(actor('requester'), [
      'run',
      programId,
      '--inputs',
      await inputs('b', 6, 3000, 4_000_000_000),
      '--category',
      'TEST',
      '--pool',
      pool,
    ]);
    await until('a first task to be settled', async () => {
      const view = await json(actor('requester'), ['deal', 'show', deal.deal_id]);
      return view.tasks.some((task: { outcome: string | null }) => task.outcome !== null) ? true : undefined;
    });
    await hub.stop('SIGKILL');
    await startHub();
    const view = await until('every task to be settled after the restart', async () => {
      const shown = await json(actor('requester'), ['deal', 'show', deal.deal_id]);
      return shown.tasks.every((task: { outcome: string | null }) => task.outcome !== null)
        ? shown
        : undefined;
    });
    assert.ok(
      view.tasks.every((task: { outcome: string }) => task.outcome === 'paid'),
      JSON.stringify(view.tasks),
    );
    assert.equal(await hubBalance('requester'), before - 6 * 0.3 * CREDIT, 'exactly six tasks paid for');
    // Trust 1: one result each; the worker takes 70% of 0.2, the pool 30%.
    assert.equal((await hubBalance('b1')) + (await hubBalance('b2')), 2 * CREDIT + 6 * 0.14 * CREDIT);
    assert.equal(await hubBalance('managerB'), 2 * CREDIT + 6 * 0.06 * CREDIT);
    await assertLedgerSound();
  });

  it('claims a task its pool never delivers: the requester refunded in full, the pool stake seized', async () => {
    const { pool_id: pool } = await json(actor('managerC'), [
      'pool',
      'create',
      '--name',
      'pool C (no workers)',
    ]);
    await json(actor('managerC'), [
      'pool',
      'publish',
      pool,
      '--price',
      '0.2',
      '--category',
      'TEST',
      '--trust',
      '1',
    ]);
    const before = await hubBalance('requester');
    const deal = await json(actor('requester'), [
      'run',
      programId,
      '--inputs',
      await inputs('c', 1, 5),
      '--category',
      'TEST',
      '--pool',
      pool,
    ]);
    const waiting = await json(actor('requester'), ['task', 'show', deal.task_ids[0]]);
    assert.match(waiting.waiting, /has no workers/, 'why it waits is said');
    const claimEarly = await cli(actor('requester'), ['task', 'claim', deal.task_ids[0]]);
    assert.notEqual(claimEarly.code, 0);
    assert.match(claimEarly.stderr, /CLAIM_NOT_DUE|still to come/);
    const view = await until('the hub to claim it after its final deadline (10 × 2 s)', async () => {
      const shown = await json(actor('requester'), ['deal', 'show', deal.deal_id]);
      return shown.tasks[0].outcome === 'claimed' ? shown : undefined;
    });
    assert.equal(view.tasks[0].state, 'failed');
    assert.equal(await hubBalance('requester'), before, 'refunded to the nano-credit');
    assert.equal(await hubBalance('managerC'), 2 * CREDIT - 0.06 * CREDIT, "the pool's stake is seized");
  });
});
