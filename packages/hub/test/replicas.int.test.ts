import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { body, manifestArchive, reserve, signUp, u32, uploadInputs, uploadProgram } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

for (const driver of DRIVERS) {
  describe(`replicated tasks on workers (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver);
    });
    after(() => hub.close());

    const worker = (seed: number) => testWorker(hub, seed);

    it('leases replicas to distinct workers, accepts the agreed result, and outvotes a wrong worker', async () => {
      const org = await signUp(hub.app);
      const programId = await uploadProgram(hub.app, org.token, {
        name: `replicated-${driver}`,
        timeoutSeconds: 300,
        archive: await manifestArchive({ policy: 'replicate', replicas: 2, replicas_max: 3 }),
      });
      const groups = [
        await uploadInputs(hub.app, org.token, programId, { name: 'one', values: [u32(1)] }),
        await uploadInputs(hub.app, org.token, programId, { name: 'two', values: [u32(2)] }),
      ];
      assert.match(body(await reserve(hub.app, programId)).error_message ?? '', /runs on ProofGrid workers/);

      const [a, b, c] = [await worker(11), await worker(12), await worker(13)];
      const a1 = (await a.lease()).lease;
      const a2 = (await a.lease()).lease;
      const b1 = (await b.lease()).lease;
      const b2 = (await b.lease()).lease;
      assert.ok(a1 && a2 && b1 && b2);
      assert.deepEqual(
        [a1.input_group_id, a2.input_group_id].sort(),
        [...groups].sort(),
        'one worker never gets two replicas of a task',
      );
      assert.equal(a1.input_group_id, b1.input_group_id);
      assert.equal(a1.seed, b1.seed, 'replicas of a task share its seed');
      const none = await c.lease();
      assert.equal(none.lease, null);
      assert.match(none.reason ?? '', /all the replicas they need/);

      const first = await a.submit(a1.replica_id, 'right one');
      assert.equal(first.statusCode, 200, first.body);
      assert.equal((body(first).data as { verdict: string }).verdict, 'wait');
      const second = await b.submit(b1.replica_id, 'right one');
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((body(second).data as { verdict: string }).verdict, 'accept');
      assert.equal(
        (body(await a.submit(a2.replica_id, 'right two')).data as { verdict: string }).verdict,
        'wait',
      );
      assert.equal(
        (body(await b.submit(b2.replica_id, 'WRONG')).data as { verdict: string }).verdict,
        'add_replica',
      );
      const again = await b.submit(b2.replica_id, 'right two');
      assert.equal(body(again).error_code, 'LEASE_NOT_ACTIVE');

      const c2 = (await c.lease()).lease;
      assert.equal(c2?.input_group_id, a2.input_group_id, 'the disputed task gets a third replica');
      assert.equal(
        (body(await c.submit(c2?.replica_id ?? '', 'right two')).data as { verdict: string }).verdict,
        'accept',
      );

      for (const [groupId, expected] of [
        [a1.input_group_id, 'right one'],
        [a2.input_group_id, 'right two'],
      ] as const) {
        const result = await hub.app.inject({
          method: 'GET',
          url: `/program/${programId}/results/${groupId}`,
          headers: { token: org.token },
        });
        assert.equal(result.statusCode, 200, result.body);
        assert.equal(result.body, expected);
        const verdict = JSON.parse(String(result.headers['proofgrid-verdict']));
        assert.equal(verdict.state, 'verified');
        if (groupId === a2.input_group_id) assert.deepEqual(verdict.outvoted_workers, [b.workerId]);
      }
      const progress = body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/${programId}/progress`,
          headers: { token: org.token },
        }),
      ).data;
      assert.deepEqual(progress, {
        total: 2,
        queued: 0,
        leased: 0,
        proven: 0,
        verified: 2,
        failed: 0,
        cancelled: 0,
        done: true,
        workers_connected: 3,
        waiting_reason: null,
      });
      assert.deepEqual((await a.me()).reputation, {
        consecutive_valid: 2,
        results_valid: 2,
        results_invalid: 0,
        leases_lapsed: 0,
      });
      assert.deepEqual((await b.me()).reputation, {
        consecutive_valid: 0,
        results_valid: 1,
        results_invalid: 1,
        leases_lapsed: 0,
      });
      assert.deepEqual((await c.me()).reputation, {
        consecutive_valid: 1,
        results_valid: 1,
        results_invalid: 0,
        leases_lapsed: 0,
      });
    });

    it('keeps a lease alive with heartbeats, lets it lapse without them, and takes it back when returned', async () => {
      const org = await signUp(hub.app);
      const programId = await uploadProgram(hub.app, org.token, {
        name: `alone-${driver}`,
        timeoutSeconds: 60,
        archive: await manifestArchive({ policy: 'none' }),
      });
      await uploadInputs(hub.app, org.token, programId, { name: 'only', values: [u32(5)] });
      const [d, e] = [await worker(21), await worker(22)];

      const first = (await d.lease()).lease;
      assert.ok(first);
      hub.clock.advanceMs(50_000);
      const renewed = await d.heartbeat(first.replica_id);
      assert.equal(renewed.statusCode, 200, renewed.body);
      hub.clock.advanceMs(50_000); // 100 s after leasing, alive thanks to the heartbeat
      assert.equal((await e.lease()).lease, null, 'a live lease is not handed out again');
      assert.equal((await d.giveBack(first.replica_id)).statusCode, 200);
      const taken = (await e.lease()).lease;
      assert.equal(taken?.input_group_id, first.input_group_id, 'a returned lease is leased again at once');

      hub.clock.advanceMs(61_000); // e never heartbeats: its lease lapses
      assert.equal(body(await e.heartbeat(taken?.replica_id ?? '')).error_code, 'LEASE_NOT_ACTIVE');
      const again = (await d.lease()).lease;
      assert.equal(again?.input_group_id, first.input_group_id, 'a lapsed lease goes back to the queue');
      assert.equal(
        (body(await d.submit(again?.replica_id ?? '', 'done')).data as { verdict: string }).verdict,
        'accept',
        'policy none takes the first result',
      );
      assert.equal(body(await e.submit(taken?.replica_id ?? '', 'late')).error_code, 'LEASE_NOT_ACTIVE');
    });
  });
}
