import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  encodeBase64,
  inputsHash,
  keyPairFromSeed,
  merkleProofHolds,
  NANO_PER_CREDIT,
  type PoolOrder,
  type ProgramOrder,
  type RequestOrder,
  receiptLeaf,
  receiptSignedByHub,
  signCanonical,
  signOrder,
} from '@proofgrid/core';
import { createContext } from '../src/context.ts';
import { sweepAuctions } from '../src/market/auctions.ts';
import { sweepDeadlines } from '../src/market/claims.ts';
import { checkLedger } from '../src/market/ledger/ledger.ts';
import { anchorReceipts, receiptWithProof } from '../src/market/receipts.ts';
import { WALLET_LINK_DOMAIN } from '../src/market/wallets.ts';
import { body, csvOf, manifestArchive, signUp, u32, uploadProgram } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

const CREDIT = NANO_PER_CREDIT;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

for (const driver of DRIVERS) {
  describe(`the market (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver);
    });
    after(() => hub.close());

    const call = async (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) => {
      const response = await hub.app.inject({
        method,
        url,
        headers: token === undefined ? {} : { token },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { http: response.statusCode, ...body(response) };
    };
    const ok = async (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) => {
      const answer = await call(method, url, token, payload);
      assert.equal(answer.http, 200, `${method} ${url}: ${answer.error_message ?? JSON.stringify(answer)}`);
      return answer.data as Record<string, unknown>;
    };

    /** An organization with a linked wallet and `credits` from the faucet. */
    async function trader(seed: number, credits: number) {
      const org = await signUp(hub.app);
      const wallet = keyPairFromSeed(new Uint8Array(randomBytes(32)));
      void seed;
      const address = hex(wallet.publicKey);
      const signature = hex(
        signCanonical({
          secretKey: wallet.secretKey,
          domain: WALLET_LINK_DOMAIN,
          value: { organization_id: org.organizationId, address },
        }),
      );
      await ok('POST', '/market/wallet', org.token, { address, signature });
      if (credits > 0) await ok('POST', '/market/faucet', org.token, { amount: credits * CREDIT });
      return { ...org, wallet, address };
    }
    const available = async (token: string) =>
      ((await ok('GET', '/market/account', token)).balance as { available: number }).available;
    const salt = () => randomBytes(8).toString('hex');

    let markets = 0;
    async function market(trust: number) {
      const base = 10 * ++markets;
      const owner = await trader(101, 0);
      const manager = await trader(102, 10);
      const requester = await trader(103, 100);
      const programId = await uploadProgram(hub.app, owner.token, {
        archive: await manifestArchive({ policy: 'replicate', replicas: 2, replicas_max: 5 }),
      });
      const programOrder = signOrder<ProgramOrder>(
        {
          kind: 'program',
          program: programId,
          price: CREDIT,
          volume: 1000,
          tag: [],
          pool_restrict: '',
          requester_restrict: '',
          salt: salt(),
          signer: owner.address,
        },
        owner.wallet.secretKey,
      );
      await ok('POST', '/market/orders', owner.token, programOrder);
      const { pool_id: poolId } = (await ok('POST', '/market/pools', manager.token, {
        name: 'pool',
        description: '',
        worker_share_percent: 70,
      })) as { pool_id: string };
      const poolOrder = signOrder<PoolOrder>(
        {
          kind: 'pool',
          pool: poolId,
          price: 2 * CREDIT,
          volume: 1000,
          tag: ['fast'],
          category: 'TEST',
          trust: 10,
          program_restrict: '',
          requester_restrict: '',
          salt: salt(),
          signer: manager.address,
        },
        manager.wallet.secretKey,
      );
      const { order_hash: poolOrderHash } = (await ok(
        'POST',
        '/market/orders',
        manager.token,
        poolOrder,
      )) as { order_hash: string };
      const request = (values: number[], extra: Partial<RequestOrder> = {}) => {
        const inputs = values.map((value) => encodeBase64(csvOf([u32(value)])));
        const order = signOrder<RequestOrder>(
          {
            kind: 'request',
            program: programId,
            program_max_price: CREDIT,
            pool: poolId,
            pool_max_price: 2 * CREDIT,
            requester: requester.organizationId,
            volume: values.length,
            tag: [],
            category: 'TEST',
            trust,
            params: '',
            inputs_hash: inputsHash(inputs),
            salt: salt(),
            signer: requester.address,
            ...extra,
          },
          requester.wallet.secretKey,
        );
        return { request: order, inputs };
      };
      const workerOf = async (seed: number, credits: number) => {
        const account = await trader(seed, credits);
        const worker = await testWorker(hub, base + (seed % 10), { token: account.token });
        assert.equal((await worker.signed('POST', `/market/pools/${poolId}/join`)).statusCode, 200);
        return { account, worker };
      };
      return { owner, manager, requester, programId, poolId, poolOrderHash, request, workerOf };
    }

    it('runs a deal: escrow, credibility consensus, a liar slashed and its stake paid to the honest, every balance to the nano-credit', async () => {
      const m = await market(3);
      const fill = await ok('POST', '/market/fill', m.requester.token, m.request([1, 2]));
      assert.equal(fill.volume, 2);
      const taskIds = fill.task_ids as string[];
      assert.equal(await available(m.requester.token), 94 * CREDIT, 'escrow locks (1 + 2 credits) × 2');
      assert.equal(
        await available(m.manager.token),
        10 * CREDIT - 2 * 0.6 * CREDIT,
        'the pool stakes 30% of its price per task',
      );

      const outsider = await testWorker(hub, 200);
      assert.equal(
        (await outsider.lease()).lease,
        null,
        "a worker outside the pool never gets the deal's tasks",
      );
      const [w1, w2, w3, w4] = await Promise.all([
        m.workerOf(111, 2),
        m.workerOf(112, 2),
        m.workerOf(113, 2),
        m.workerOf(114, 2),
      ]);
      const broke = await m.workerOf(115, 0);
      assert.match((await broke.worker.lease()).reason ?? '', /needs a stake of 0\.6 credits/);

      /** Leases the replica of `taskId` (the worker asks for both tasks and gives back the other). */
      const lease = async (w: { worker: Awaited<ReturnType<typeof testWorker>> }, taskId: string) => {
        const { leases } = await w.worker.lease({ replicas_max: 2 });
        const wanted = leases.find((got) => got.input_group_id === taskId);
        assert.ok(
          wanted,
          `a pool worker with its stake gets a lease of ${taskId}: ${JSON.stringify(await w.worker.lease())}`,
        );
        for (const other of leases) if (other !== wanted) await w.worker.giveBack(other.replica_id);
        return wanted;
      };
      const verdict = async (
        w: { worker: Awaited<ReturnType<typeof testWorker>> },
        replicaId: string,
        output: string,
      ) => (body(await w.worker.submit(replicaId, output)).data as { verdict: string }).verdict;
      // Task 1: a deal task starts with one replica; at trust 3 one new worker is not enough (2·3 = 3·2), two are (4·3 > 5·2).
      assert.equal(
        await verdict(w1, (await lease(w1, taskIds[0] as string)).replica_id, 'one'),
        'add_replica',
      );
      assert.equal(await verdict(w2, (await lease(w2, taskIds[0] as string)).replica_id, 'one'), 'accept');
      // Task 2: a liar among them: it takes three honest results to outweigh it (8·3 > 11·2).
      assert.equal(
        await verdict(w1, (await lease(w1, taskIds[1] as string)).replica_id, 'two'),
        'add_replica',
      );
      assert.equal(
        await verdict(w3, (await lease(w3, taskIds[1] as string)).replica_id, 'LIE'),
        'add_replica',
      );
      assert.equal(
        await verdict(w2, (await lease(w2, taskIds[1] as string)).replica_id, 'two'),
        'add_replica',
      );
      assert.equal(await verdict(w4, (await lease(w4, taskIds[1] as string)).replica_id, 'two'), 'accept');

      assert.equal(await available(m.requester.token), 94 * CREDIT);
      assert.equal(
        await available(m.owner.token),
        2 * CREDIT,
        'the program owner is paid its price per verified task',
      );
      // Task 1: pot 70% of 2 = 1.4, halves of 0.7. Task 2: pot 1.4 + 0.6 seized = 2.0, thirds of 666666666 nano.
      assert.equal(await available(w1.account.token), 2 * CREDIT + 0.7 * CREDIT + 666_666_666);
      assert.equal(await available(w2.account.token), 2 * CREDIT + 0.7 * CREDIT + 666_666_666);
      assert.equal(await available(w4.account.token), 2 * CREDIT + 666_666_666);
      assert.equal(await available(w3.account.token), 1.4 * CREDIT, "the liar's stake of 0.6 is seized");
      // The pool: its stake back, 0.6 of task 1, and 2.6 − 3 × 666666666 of task 2.
      assert.equal(await available(m.manager.token), 10 * CREDIT + 0.6 * CREDIT + 600_000_002);

      const shown = await ok('GET', `/market/tasks/${taskIds[1]}`, m.requester.token);
      const transfers = shown.transfers as { code: string; judgement_id: string | null; flag: string }[];
      assert.ok(
        transfers.filter((t) => t.code === 'worker_payment').every((t) => t.judgement_id !== null),
        'every payment names its judgement',
      );
      assert.ok(
        transfers.some((t) => t.code === 'stake_seized' && t.judgement_id !== null),
        'the seizure names the outvoting',
      );
      assert.equal((shown.settlement as { outcome: string }).outcome, 'paid');
      const output = await hub.app.inject({
        method: 'GET',
        url: `/market/tasks/${taskIds[1]}/output`,
        headers: { token: m.requester.token },
      });
      assert.equal(output.body, 'two');
      assert.deepEqual(await checkLedger(hub.deps.store), {
        postedSum: 0,
        negative: [],
        badResolutions: 0,
        mismatched: [],
      });

      // Receipts: signed by the hub, proven into an anchored root, a changed one caught.
      const { seq } = (shown.receipts as { seq: number }[])[2] as { seq: number };
      assert.equal((await ok('GET', `/market/receipts/${seq}`)).anchor, null);
      assert.ok(await anchorReceipts(hub.deps));
      const proven = (await ok('GET', `/market/receipts/${seq}`)) as unknown as {
        signed: Parameters<typeof receiptSignedByHub>[0];
        anchor: { root: string; proof: Parameters<typeof merkleProofHolds>[1] };
      };
      const direct = await receiptWithProof(hub.deps, seq);
      assert.ok(
        direct.anchor &&
          merkleProofHolds(receiptLeaf(direct.signed), direct.anchor.proof, direct.anchor.root),
        'server side',
      );
      assert.deepEqual(JSON.parse(JSON.stringify(direct.signed)), proven.signed, 'as sent');
      assert.ok(receiptSignedByHub(proven.signed));
      assert.ok(merkleProofHolds(receiptLeaf(proven.signed), proven.anchor.proof, proven.anchor.root));
      const forged = {
        ...proven.signed,
        receipt: { ...proven.signed.receipt, body: { ...proven.signed.receipt.body, amount: 1 } },
      };
      assert.ok(!merkleProofHolds(receiptLeaf(forged), proven.anchor.proof, proven.anchor.root));
    });

    it('refuses a deal with every reason, and never oversells an order under 50 concurrent fills', async () => {
      const m = await market(3);
      const refused = await call(
        'POST',
        '/market/fill',
        m.requester.token,
        m.request([1], { trust: 20, pool_max_price: CREDIT, tag: ['gpu'] }),
      );
      assert.equal(refused.error_code, 'ORDERS_DO_NOT_MATCH');
      assert.match(refused.error_message ?? '', /trust 20/);
      const explicit = await call('POST', '/market/fill', m.requester.token, {
        ...m.request([1], { trust: 20, pool_max_price: CREDIT, tag: ['gpu'] }),
        pool_order: m.poolOrderHash,
      });
      for (const expected of [
        /trust 20, the pool order offers at most 10/,
        /price 2000000000 nano is above/,
        /lack "gpu"/,
      ])
        assert.match(explicit.error_message ?? '', expected);
      const before = await available(m.requester.token);

      const poolOrder = signOrder<PoolOrder>(
        {
          kind: 'pool',
          pool: m.poolId,
          price: CREDIT,
          volume: 20,
          tag: [],
          category: 'TEST',
          trust: 5,
          program_restrict: '',
          requester_restrict: '',
          salt: salt(),
          signer: m.manager.address,
        },
        m.manager.wallet.secretKey,
      );
      const { order_hash: hash } = (await ok('POST', '/market/orders', m.manager.token, poolOrder)) as {
        order_hash: string;
      };
      const fills = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call('POST', '/market/fill', m.requester.token, { ...m.request([i]), pool_order: hash }),
        ),
      );
      const made = fills.filter((fill) => fill.http === 200);
      assert.equal(made.length, 20, 'exactly the volume of the pool order is sold');
      for (const fill of fills.filter((f) => f.http !== 200))
        assert.match(fill.error_message ?? '', /pool order has no volume left/);
      const order = await ok('GET', `/market/orders/${hash}`);
      assert.equal(order.consumed, 20);
      assert.equal(order.remaining, 0);
      assert.equal(
        await available(m.requester.token),
        before - 20 * 2 * CREDIT,
        'escrow for 20 deals, no more',
      );
      assert.deepEqual(await checkLedger(hub.deps.store), {
        postedSum: 0,
        negative: [],
        badResolutions: 0,
        mismatched: [],
      });
    });

    it('claims a task past its final deadline: the requester refunded in full, the pool stake seized', async () => {
      const m = await market(1);
      const before = await available(m.requester.token);
      const managerBefore = await available(m.manager.token);
      const {
        task_ids: [taskId],
      } = (await ok('POST', '/market/fill', m.requester.token, m.request([5]))) as { task_ids: string[] };
      const early = await call('POST', `/market/tasks/${taskId}/claim`, m.requester.token);
      assert.equal(early.error_code, 'CLAIM_NOT_DUE');
      hub.clock.advanceMs(11_000); // category TEST: T = 1 s, final deadline 10 T
      assert.ok((await sweepDeadlines(hub.deps)) >= 1);
      assert.equal(await available(m.requester.token), before, 'refunded to the nano-credit');
      assert.equal(
        await available(m.manager.token),
        managerBefore - 0.6 * CREDIT,
        "the pool's stake is seized",
      );
      const shown = await ok('GET', `/market/tasks/${taskId}`, m.requester.token);
      assert.equal((shown.task as { state: string }).state, 'failed');
      assert.equal((shown.settlement as { outcome: string }).outcome, 'claimed');
      const again = await call('POST', `/market/tasks/${taskId}/claim`, m.requester.token);
      assert.equal(again.error_code, 'CLAIM_NOT_DUE', 'a claimed task is not claimed twice');

      // The hub down past a deadline: the outage is added to the deadline, the pool is not claimed for it.
      const {
        task_ids: [late],
      } = (await ok('POST', '/market/fill', m.requester.token, m.request([6]))) as { task_ids: string[] };
      await sweepDeadlines(hub.deps);
      hub.clock.advanceMs(60_000);
      await sweepDeadlines(hub.deps);
      const extended = await ok('GET', `/market/tasks/${late}`, m.requester.token);
      assert.equal(
        (extended.task as { state: string }).state,
        'open',
        'not claimed for the hub’s own downtime',
      );
      hub.clock.advanceMs(5_000);
      await sweepDeadlines(hub.deps);
      hub.clock.advanceMs(6_000);
      await sweepDeadlines(hub.deps);
      const claimed = await ok('GET', `/market/tasks/${late}`, m.requester.token);
      assert.equal(
        (claimed.settlement as { outcome: string }).outcome,
        'claimed',
        'claimed once its own time is up',
      );
    });

    it('runs a request as a reverse-Dutch auction: locked when its price reaches a pool, reopened to every pool when the locker misses its lock timeout', async () => {
      const m = await market(1);
      const ctx = createContext(hub.deps);
      // The deadline sweep runs every second on a real hub; here it runs at each step of the clock, or the
      // jumps would look like hub downtime (which moves deadlines).
      const step = async (ms: number) => {
        hub.clock.advanceMs(ms);
        await sweepDeadlines(hub.deps);
      };
      await step(0);
      const before = await available(m.requester.token);
      const managerBefore = await available(m.manager.token);
      const { request, inputs } = m.request([9]); // its pool maximum: 2 credits; the pool order asks 2
      const { auction_id: auctionId } = (await ok('POST', '/market/auctions', m.requester.token, {
        request,
        inputs,
        min_price: 0.5 * CREDIT,
        ramp_seconds: 10,
        lock_timeout_seconds: 5,
      })) as { auction_id: string };
      await sweepAuctions(ctx);
      const waiting = await ok('GET', `/market/auctions/${auctionId}`, m.requester.token);
      assert.equal(waiting.state, 'open');
      assert.match(String(waiting.waiting), /asks 2000000000 nano, above/, 'why no pool took it yet');
      await step(5_000);
      await sweepAuctions(ctx);
      assert.equal(
        (await ok('GET', `/market/auctions/${auctionId}`, m.requester.token)).state,
        'open',
        'at 1.25 credits no pool yet',
      );
      await step(5_000);
      assert.equal(await sweepAuctions(ctx), 1);
      const locked = await ok('GET', `/market/auctions/${auctionId}`, m.requester.token);
      assert.equal(locked.state, 'locked');
      const deal = await ok('GET', `/market/deals/${locked.deal_id}`, m.requester.token);
      const [task] = deal.tasks as { taskId: string }[];
      assert.equal(
        await available(m.requester.token),
        before - 3 * CREDIT,
        'program 1 + the pool price reached, 2',
      );
      assert.equal(await available(m.manager.token), managerBefore - 0.6 * CREDIT, 'the locker stakes 30%');

      // The locker delivers nothing within 5 s: its stake is seized and the task opened to every pool.
      await step(6_000);
      const reopened = await ok('GET', `/market/tasks/${task?.taskId}`, m.requester.token);
      assert.equal((reopened.task as { state: string }).state, 'open');
      assert.equal(await available(m.manager.token), managerBefore - 0.6 * CREDIT, 'its stake is gone');
      const other = await trader(1, 10);
      const { pool_id: otherPool } = (await ok('POST', '/market/pools', other.token, {
        name: 'other',
        description: '',
        worker_share_percent: 50,
      })) as { pool_id: string };
      const account = await trader(2, 1);
      const worker = await testWorker(hub, 250, { token: account.token });
      assert.equal((await worker.signed('POST', `/market/pools/${otherPool}/join`)).statusCode, 200);
      const lease = (await worker.lease()).lease;
      assert.equal(
        lease?.input_group_id,
        task?.taskId,
        `a worker of another pool takes the reopened task: ${JSON.stringify(await worker.lease())}`,
      );
      assert.equal(
        (body(await worker.submit(lease?.replica_id as string, 'nine')).data as { verdict: string }).verdict,
        'accept',
      );
      // The deliverer takes the whole pool price (no pool is paid) and the locker's seized stake.
      assert.equal(await available(account.token), CREDIT + 2 * CREDIT + 0.6 * CREDIT);
      assert.equal(await available(m.owner.token), CREDIT);
      assert.equal(await available(m.requester.token), before - 3 * CREDIT);
      assert.deepEqual(await checkLedger(hub.deps.store), {
        postedSum: 0,
        negative: [],
        badResolutions: 0,
        mismatched: [],
      });

      // An auction no pool takes up to its maximum ends a lock timeout later; nothing was locked.
      const cheap = m.request([10], { pool_max_price: CREDIT });
      const { auction_id: unlocked } = (await ok('POST', '/market/auctions', m.requester.token, {
        ...cheap,
        min_price: 0,
        ramp_seconds: 2,
        lock_timeout_seconds: 2,
      })) as { auction_id: string };
      await step(3_000);
      await sweepAuctions(ctx);
      assert.equal((await ok('GET', `/market/auctions/${unlocked}`, m.requester.token)).state, 'open');
      await step(2_000);
      await sweepAuctions(ctx);
      const ended = await ok('GET', `/market/auctions/${unlocked}`, m.requester.token);
      assert.equal(ended.state, 'cancelled');
      assert.equal(ended.waiting, null);
      assert.equal(
        await available(m.requester.token),
        before - 3 * CREDIT,
        'an auction that ends costs nothing',
      );
    });
  });
}
