import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeBase64, LOG_SIZE_BYTES_MAX, REPLICAS_PER_LEASE_MAX } from '@proofgrid/core';
import { body, manifestArchive, signUp, u32, uploadInputs, uploadProgram } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

/** A log as long as a run may write, of control characters: JSON spells each in six bytes. */
const WORST_LOG = '\u0001'.repeat(LOG_SIZE_BYTES_MAX);
const run = (replicaId: string, output: string, log = '') => ({
  replica_id: replicaId,
  output: encodeBase64(new TextEncoder().encode(output)),
  fuel_used: 100,
  exit_code: 0,
  log,
  failure: null,
});
type Results = { results: { replica_id: string; verdict: string | null; error: { code: string } | null }[] };

for (const driver of DRIVERS) {
  describe(`batches of submissions (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver);
    });
    after(() => hub.close());

    async function tasks(count: number): Promise<string> {
      const org = await signUp(hub.app);
      const programId = await uploadProgram(hub.app, org.token, {
        name: `batched-${driver}-${count}`,
        timeoutSeconds: 300,
        archive: await manifestArchive({ policy: 'replicate', replicas: 2 }),
      });
      for (let i = 0; i < count; i++)
        await uploadInputs(hub.app, org.token, programId, { name: `g${i}`, values: [u32(i)] });
      return programId;
    }

    it('judges each run on its own: a duplicate, a foreign lease or an unknown one refuses that run alone', async () => {
      await tasks(3);
      const [mine, other] = [await testWorker(hub, 41), await testWorker(hub, 42)];
      const leased = (await mine.lease({ replicas_max: 2 })).leases;
      const foreign = (await other.lease()).leases;
      assert.equal(leased.length, 2);
      assert.equal(foreign.length, 1);
      const [first, second] = leased.map((lease) => lease.replica_id);
      const theirs = foreign[0]?.replica_id ?? '';
      const reply = await mine.signed('POST', '/worker/submissions', {
        runs: [
          run(first ?? '', 'one', WORST_LOG),
          run(first ?? '', 'one again'),
          run(theirs, 'stolen'),
          run('00000000-0000-4000-8000-000000000000', 'made up'),
          run(second ?? '', 'two'),
        ],
      });
      assert.equal(reply.statusCode, 200, reply.body);
      const { results } = body(reply).data as Results;
      assert.deepEqual(
        results.map((result) => result.verdict ?? result.error?.code),
        // The first task waits for the other worker's replica; the second asks for one.
        ['wait', 'LEASE_NOT_ACTIVE', 'LEASE_NOT_ACTIVE', 'LEASE_NOT_ACTIVE', 'add_replica'],
      );
      const stillTheirs = await other.submit(theirs, 'theirs');
      assert.equal(stillTheirs.statusCode, 200, `the owner keeps its lease: ${stillTheirs.body}`);
    });

    it('takes a run with the longest log on either route, and refuses more runs than a lease gives', async () => {
      await tasks(1);
      const worker = await testWorker(hub, 43);
      const lease = (await worker.lease()).lease;
      assert.ok(lease);
      const single = await worker.submit(lease.replica_id, 'alone', { log: WORST_LOG });
      assert.equal(single.statusCode, 200, single.body.slice(0, 300));

      const tooMany = await worker.signed('POST', '/worker/submissions', {
        runs: Array.from({ length: REPLICAS_PER_LEASE_MAX + 1 }, () => run(lease.replica_id, 'x')),
      });
      assert.equal(tooMany.statusCode, 400);
      assert.equal(body(tooMany).error_code, 'VALIDATION_FAILED');
    });
  });
}
