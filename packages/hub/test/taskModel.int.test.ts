import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sweepBlobGarbage } from '../src/blobs/sweepBlobGarbage.ts';
import { BLOB_GARBAGE_GRACE_MS } from '../src/constants.ts';
import { sweepLapsedLeases } from '../src/tasks/sweepLapsedLeases.ts';
import {
  body,
  manifestArchive,
  multipart,
  reserve,
  signUp,
  u32,
  uploadInputs,
  uploadProgram,
} from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

type Progress = {
  total: number;
  verified: number;
  failed: number;
  cancelled: number;
  done: boolean;
  queued: number;
};

for (const driver of DRIVERS) {
  describe(`one task model: outcomes, judgements, owner actions (${driver})`, () => {
    let hub: TestHub;
    let org: Awaited<ReturnType<typeof signUp>>;
    let seed = 40;
    // A hub per test: workers take the oldest open task of any program, so tests must not share a queue.
    beforeEach(async () => {
      hub = await openTestHub(driver);
      org = await signUp(hub.app);
    });
    afterEach(() => hub.close());

    const get = async (url: string) => hub.app.inject({ method: 'GET', url, headers: { token: org.token } });
    const send = async (method: 'POST' | 'PATCH' | 'DELETE', url: string) =>
      hub.app.inject({ method, url, headers: { token: org.token } });
    const progress = async (programId: string) =>
      body(await get(`/program/${programId}/progress`)).data as Progress;
    const task = async (programId: string, groupId: string) =>
      body(await get(`/program/${programId}/tasks/${groupId}`)).data as {
        state: string;
        attempt: number;
        failure_reason: string | null;
        run: {
          fuel_used: number | null;
          exit_code: number | null;
          failure_code: string | null;
          log: string | null;
        } | null;
        replicas: {
          worker_id: string | null;
          state: string;
          judgements: { code: string; reason_code: string | null }[];
        }[];
        history: { event: string; to_state: string }[];
      };
    /** A fresh replicated program with one input group; the workers are new identities each time. */
    const job = async (
      verification: Record<string, unknown> = { policy: 'replicate', replicas: 2, replicas_max: 3 },
    ) => {
      const programId = await uploadProgram(hub.app, org.token, {
        name: `p-${randomUUID().slice(0, 8)}`,
        archive: await manifestArchive(verification, {
          limits: { output_bytes: 1_000_000 },
          marker: randomUUID(),
        }),
      });
      const groupId = await uploadInputs(hub.app, org.token, programId, { name: 'g', values: [u32(7)] });
      const workers = await Promise.all([seed++, seed++, seed++].map((s) => testWorker(hub, s)));
      return { programId, groupId, workers };
    };

    it('fails a task with the failure its replicas agree on: never a verified result', async () => {
      const { programId, groupId, workers } = await job();
      const [a, b] = workers;
      assert.ok(a && b);
      const failure = {
        code: 'FUEL_EXHAUSTED',
        message: 'The program used all of its fuel (2000000) before it finished.',
      };
      for (const worker of [a, b]) {
        const { lease } = await worker.lease();
        assert.ok(lease);
        const answer = await worker.submit(lease.replica_id, 'partial output', {
          fuel: 2_000_000,
          log: 'started\n',
          failure,
        });
        assert.equal(answer.statusCode, 200, answer.body);
      }
      const story = await task(programId, groupId);
      assert.equal(story.state, 'failed');
      assert.equal(story.failure_reason, 'FUEL_EXHAUSTED after 2,000,000 fuel (agreed by 2 workers)');
      assert.deepEqual(story.run, {
        fuel_used: 2_000_000,
        exit_code: 0,
        failure_code: 'FUEL_EXHAUSTED',
        log: 'started\n',
      });
      assert.deepEqual(
        story.replicas.map((replica) => replica.judgements.map((judgement) => judgement.code)),
        [['agreed'], ['agreed']],
      );
      const result = await get(`/program/${programId}/results/${groupId}`);
      assert.equal(body(result).error_code, 'PROOF_NOT_FOUND');
      assert.match(body(result).error_message ?? '', /failed \(FUEL_EXHAUSTED after 2,000,000 fuel/);
      assert.deepEqual(
        {
          failed: (await progress(programId)).failed,
          verified: (await progress(programId)).verified,
          done: (await progress(programId)).done,
        },
        { failed: 1, verified: 0, done: true },
      );
    });

    it('a lying worker cannot fail a task: its failure is outvoted by honest results', async () => {
      const { programId, groupId, workers } = await job();
      const [liar, honest, third] = workers;
      assert.ok(liar && honest && third);
      const liarLease = (await liar.lease()).lease;
      const honestLease = (await honest.lease()).lease;
      assert.ok(liarLease && honestLease);
      await liar.submit(liarLease.replica_id, '', { failure: { code: 'WASM_TRAP', message: 'unreachable' } });
      await honest.submit(honestLease.replica_id, 'the answer');
      const thirdLease = (await third.lease()).lease;
      assert.equal(thirdLease?.input_group_id, groupId, 'the dispute takes a third replica');
      const verdict = body(await third.submit(thirdLease?.replica_id ?? '', 'the answer')).data as {
        verdict: string;
      };
      assert.equal(verdict.verdict, 'accept');
      assert.equal((await task(programId, groupId)).state, 'verified');
      assert.equal((await liar.me()).reputation.results_invalid, 1);
    });

    it('judges each replica once: after its organization rejects a result, the outvoted replica does not vote again', async () => {
      const { programId, groupId, workers } = await job();
      const [liar, honest, third] = workers;
      assert.ok(liar && honest && third);
      const leases = [(await liar.lease()).lease, (await honest.lease()).lease];
      await liar.submit(leases[0]?.replica_id ?? '', 'a lie');
      await honest.submit(leases[1]?.replica_id ?? '', 'the answer');
      await third.submit((await third.lease()).lease?.replica_id ?? '', 'the answer');
      assert.equal((await task(programId, groupId)).state, 'verified');
      const rejected = await send('PATCH', `/program/proof/${programId}/${groupId}`);
      assert.equal(rejected.statusCode, 200, rejected.body);

      const [d, e] = await Promise.all([seed++, seed++].map((s) => testWorker(hub, s)));
      assert.ok(d && e);
      for (const worker of [d, e]) {
        const { lease } = await worker.lease();
        assert.equal(lease?.input_group_id, groupId);
        await worker.submit(lease?.replica_id ?? '', 'the answer, again');
      }
      const detail = await task(programId, groupId);
      assert.equal(detail.state, 'verified');
      const liarReplica = detail.replicas.find((replica) => replica.worker_id === liar.workerId);
      assert.deepEqual(
        liarReplica?.judgements.map((judgement) => judgement.code),
        ['outvoted'],
        'judged once, when its vote was counted',
      );
      assert.equal((await liar.me()).reputation.results_invalid, 1);
    });

    it('fails a task whose run exits non-zero on every replica, keeping its exit code and log', async () => {
      const { programId, groupId, workers } = await job();
      for (const worker of workers.slice(0, 2)) {
        const { lease } = await worker.lease();
        await worker.submit(lease?.replica_id ?? '', '', { exitCode: 3, fuel: 1234, log: 'no such input\n' });
      }
      const story = await task(programId, groupId);
      assert.equal(story.state, 'failed');
      assert.equal(story.failure_reason, 'exited with code 3 after 1,234 fuel (agreed by 2 workers)');
      assert.equal(story.run?.log, 'no such input\n');
    });

    it('refuses a failure no machine reaches the same way, counting it against its worker', async () => {
      const { programId, groupId, workers } = await job();
      const [a] = workers;
      const { lease } = (await a?.lease()) ?? { lease: null };
      const answer = await a?.submit(lease?.replica_id ?? '', '', {
        failure: { code: 'WALL_TIME_EXCEEDED', message: 'slow' },
      });
      assert.equal(answer?.statusCode, 422);
      assert.equal(body(answer as never).error_code, 'SUBMISSION_REJECTED');
      assert.equal((await a?.me())?.reputation.results_invalid, 1);
      const story = await task(programId, groupId);
      assert.equal(story.state, 'open');
      assert.deepEqual(
        story.replicas[0]?.judgements.map((j) => [j.code, j.reason_code]),
        [['evidence_invalid', 'RESULT_MALFORMED']],
      );
    });

    it('lets a lapsed lease go without barring its worker, and records the lapse (not as an invalid result)', async () => {
      const { programId, groupId, workers } = await job({ policy: 'none' });
      const [a, b] = workers;
      assert.ok(a && b);
      const first = (await a.lease()).lease;
      assert.equal(first?.input_group_id, groupId);
      hub.clock.advanceMs(61_000);
      const late = await a.giveBack(first?.replica_id ?? '');
      assert.equal(
        body(late).error_code,
        'LEASE_NOT_ACTIVE',
        'a lease past its time lapses, it is not given back',
      );
      assert.equal(await sweepLapsedLeases(hub.deps), 1);
      const again = (await a.lease()).lease;
      assert.equal(again?.input_group_id, groupId, 'the same worker may take the task again');
      assert.equal(body(await a.submit(first?.replica_id ?? '', 'late')).error_code, 'LEASE_NOT_ACTIVE');
      assert.equal(body(await a.submit(again?.replica_id ?? '', 'on time')).status, 'success');
      assert.deepEqual((await a.me()).reputation, {
        consecutive_valid: 1,
        results_valid: 1,
        results_invalid: 0,
        leases_lapsed: 1,
      });
      assert.equal((await progress(programId)).verified, 1);
    });

    it('puts a task its organization rejects back in the queue at once, for any worker but the rejected one', async () => {
      const { programId, groupId, workers } = await job({ policy: 'none' });
      const [a, b] = workers;
      assert.ok(a && b);
      const { lease } = await a.lease();
      await a.submit(lease?.replica_id ?? '', 'a result the organization dislikes');
      assert.equal((await task(programId, groupId)).state, 'verified');
      const rejected = await send('PATCH', `/program/proof/${programId}/${groupId}`);
      assert.equal(rejected.statusCode, 200, rejected.body);
      assert.equal((await task(programId, groupId)).state, 'open');
      const refused = await a.lease();
      assert.equal(refused.lease, null);
      assert.match(refused.reason ?? '', /already have a replica from this worker/);
      const taken = (await b.lease()).lease;
      assert.equal(taken?.input_group_id, groupId, 'leased again at once');
      assert.equal(
        (await a.me()).reputation.results_invalid,
        0,
        "an organization's rejection is no verdict on evidence",
      );
    });

    it('cancels a job: running leases end at their next heartbeat; a retry is a new attempt anyone may take', async () => {
      const { programId, groupId, workers } = await job({ policy: 'none' });
      const [a] = workers;
      assert.ok(a);
      const { lease } = await a.lease();
      assert.equal(body(await a.heartbeat(lease?.replica_id ?? '')).status, 'success');
      assert.deepEqual(body(await send('POST', `/program/${programId}/cancel`)).data, { cancelled: 1 });
      const beat = await a.heartbeat(lease?.replica_id ?? '');
      assert.equal(body(beat).error_code, 'LEASE_NOT_ACTIVE');
      assert.match(body(beat).error_message ?? '', /its task is cancelled/);
      assert.equal(body(await a.submit(lease?.replica_id ?? '', 'too late')).error_code, 'LEASE_NOT_ACTIVE');
      assert.deepEqual(
        { cancelled: (await progress(programId)).cancelled, done: (await progress(programId)).done },
        { cancelled: 1, done: true },
      );
      const verifiedRetry = await send('POST', `/program/${programId}/tasks/${groupId}/retry`);
      assert.deepEqual(body(verifiedRetry).data, { state: 'open', attempt: 2 });
      const again = (await a.lease()).lease;
      assert.equal(again?.input_group_id, groupId, 'the new attempt is leased, to the same worker too');
      await a.submit(again?.replica_id ?? '', 'done');
      assert.equal(
        body(await send('POST', `/program/${programId}/tasks/${groupId}/retry`)).error_code,
        'TASK_STATE_CONFLICT',
      );
      assert.deepEqual(
        (await task(programId, groupId)).history.map((entry) => [entry.event, entry.to_state]),
        [
          ['created', 'open'],
          ['cancelled', 'cancelled'],
          ['retried', 'open'],
          ['result_accepted', 'verified'],
        ],
      );
    });

    it("counts a seed 004 program's confirmed groups as verified, and the job as done", async () => {
      const programId = await uploadProgram(hub.app, org.token, { name: `seed-${randomUUID().slice(0, 8)}` });
      const groupId = await uploadInputs(hub.app, org.token, programId, { name: 'only' });
      const reservation = await reserve(hub.app, programId);
      const leaseId = String(reservation.headers['proofgrid-lease-id']);
      const form = await multipart({
        file: { name: 'proof.bin', bytes: new TextEncoder().encode('a proof') },
        data: {
          organization_id: org.organizationId,
          program_id: programId,
          input_group_id: groupId,
          lease_id: leaseId,
        },
      });
      const uploaded = await hub.app.inject({ method: 'POST', url: '/program/proof', ...form });
      assert.equal(uploaded.statusCode, 200, uploaded.body);
      let p = await progress(programId);
      assert.deepEqual({ done: p.done, verified: p.verified }, { done: false, verified: 0 });
      assert.equal(body(await send('DELETE', `/program/proof/${programId}/${groupId}`)).status, 'success');
      p = await progress(programId);
      assert.deepEqual(
        { done: p.done, verified: p.verified, total: p.total },
        { done: true, verified: 1, total: 1 },
      );
    });

    it('deletes every blob a deleted program referenced, and the blob of an upload that was refused', async () => {
      const programId = await uploadProgram(hub.app, org.token, {
        name: 'leaky',
        archive: await manifestArchive(
          { policy: 'none' },
          { limits: { output_bytes: 1_000_000 }, marker: randomUUID() },
        ),
      });
      const form = await multipart({
        file: { name: 'p.tar', bytes: await manifestArchive({ policy: 'none' }, { marker: randomUUID() }) },
        data: { name: 'leaky', description: '', execution_timeout: 60 },
      });
      const refused = await hub.app.inject({
        method: 'POST',
        url: '/program/upload',
        payload: form.payload,
        headers: { ...form.headers, token: org.token },
      });
      assert.equal(body(refused).error_code, 'PROGRAM_NAME_TAKEN');
      await uploadInputs(hub.app, org.token, programId, { name: 'big' });
      const worker = await testWorker(hub, seed++);
      const { lease } = await worker.lease();
      // A large output goes to the blob store, not the row.
      await worker.submit(lease?.replica_id ?? '', 'x'.repeat(200_000));
      assert.equal(await hub.blobs.count(), 3, 'the two archives and the output are blobs');
      assert.equal(body(await send('DELETE', `/program/${programId}`)).status, 'success');
      await sweepBlobGarbage(hub.deps, { graceMs: BLOB_GARBAGE_GRACE_MS });
      assert.equal(await hub.blobs.count(), 3, 'kept during the grace period');
      hub.clock.advanceMs(BLOB_GARBAGE_GRACE_MS + 60_000);
      await sweepBlobGarbage(hub.deps, { graceMs: BLOB_GARBAGE_GRACE_MS });
      assert.equal(await hub.blobs.count(), 0, 'no blob file is left');
    });
  });
}
