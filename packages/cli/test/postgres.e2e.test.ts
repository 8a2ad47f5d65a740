import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubApiError, HubClient, WorkerClient } from '@proofgrid/client';
import { keyPairFromSeed, writeTar } from '@proofgrid/core';
import pg from 'pg';
import { createTestPostgresDatabase } from '../../../test/support/postgres.ts';
import { reserve, signUp, uploadInputs, uploadProgram, uploadProof } from './support/hubApi.ts';
import { type HubProcess, startHubProcess } from './support/hubProcess.ts';

describe('two hub processes on one PostgreSQL server', () => {
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let dataDir: string;
  let hubs: HubProcess[] = [];
  before(async () => {
    database = await createTestPostgresDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-shared-'));
    // Both start together: the migration lock keeps them from racing.
    hubs = await Promise.all(
      [0, 1].map(() => startHubProcess(['--database-url', database.url, '--data-dir', dataDir])),
    );
  });
  after(async () => {
    for (const hub of hubs) await hub.stop('SIGTERM');
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('never hands one group to two donors across hubs, and shares accounts, secrets and blobs', async () => {
    const [a, b] = hubs.map((hub) => new HubClient({ url: hub.url }));
    assert.ok(a && b);
    const org = await signUp(a, 'Shared Lab');
    const programId = await uploadProgram(b, org.token, 'shared');
    const groupIds: string[] = [];
    for (let i = 0; i < 20; i++)
      groupIds.push(await uploadInputs(i % 2 === 0 ? a : b, org.token, programId, `g${i}.csv`, 'AAAABw==\n'));

    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => reserve(i % 2 === 0 ? a : b, programId)),
    );
    const granted = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    const refused = attempts.filter(
      (attempt) =>
        attempt.status === 'rejected' &&
        attempt.reason instanceof HubApiError &&
        attempt.reason.code === 'INPUT_GROUP_NOT_FOUND',
    );
    assert.equal(granted.length, 20);
    assert.deepEqual(granted.map((lease) => lease.groupId).sort(), [...groupIds].sort());
    assert.equal(refused.length, 30);

    // A lease from one hub is honoured by the other; the proof is readable through the first.
    const lease = granted[0];
    assert.ok(lease);
    await uploadProof(
      b,
      {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: lease.groupId,
        lease_id: lease.leaseId,
      },
      new TextEncoder().encode('cross-hub proof'),
    );
    const proof = await a.api.downloadProof(
      { params: { program_id: programId, input_group_id: lease.groupId } },
      { token: org.token },
    );
    assert.equal(new TextDecoder().decode(proof.bytes), 'cross-hub proof');
  });

  it('loses nothing when one hub is killed: the other answers, the restarted one too', async () => {
    const [a, b] = hubs.map((hub) => new HubClient({ url: hub.url }));
    assert.ok(a && b);
    const org = await signUp(a);
    const programId = await uploadProgram(a, org.token, 'survivor');
    assert.equal((await hubs[0]?.stop('SIGKILL'))?.signal, 'SIGKILL');
    const mine = await b.api.listMyPrograms({}, { token: org.token });
    assert.deepEqual(
      mine.programs.map((p) => p.program_id),
      [programId],
    );
    hubs[0] = await startHubProcess(['--database-url', database.url, '--data-dir', dataDir]);
    const restarted = new HubClient({ url: hubs[0].url });
    const again = await restarted.api.listMyPrograms({}, { token: org.token });
    assert.deepEqual(
      again.programs.map((p) => p.program_id),
      [programId],
    );
  });

  it('refuses to start with a database URL it cannot reach, naming it', async () => {
    await assert.rejects(
      startHubProcess(['--database-url', 'postgres://nobody@127.0.0.1:9/none', '--data-dir', dataDir]),
      /hub exited with 1[\s\S]*127\.0\.0\.1:9/,
    );
  });

  it('never leases a task to more workers than its policy asks for: 40 workers at once through two hubs', async () => {
    const [a, b] = hubs.map((hub) => new HubClient({ url: hub.url }));
    assert.ok(a && b);
    const org = await signUp(a, 'Crowded Lab');
    const wabt = await (await import('wabt')).default();
    const parsed = wabt.parseWat('p.wat', '(module (memory (export "memory") 1) (func (export "_start")))');
    const module = new Uint8Array(parsed.toBinary({}).buffer);
    parsed.destroy();
    const manifest = {
      name: 'crowded',
      runtime: 'wasm',
      entry: 'p.wasm',
      verification: { policy: 'replicate', replicas: 2 },
    };
    const archive = writeTar([
      { path: 'proofgrid.json', data: new TextEncoder().encode(JSON.stringify(manifest)) },
      { path: 'p.wasm', data: module },
    ]);
    const programId = await uploadProgram(a, org.token, 'crowded', archive);
    const TASKS = 60;
    for (let i = 0; i < TASKS; i++)
      await uploadInputs(i % 2 === 0 ? a : b, org.token, programId, `t${i}.csv`, 'AAAABw==\n');
    const workers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const worker = new WorkerClient({
          hub: i % 2 === 0 ? a : b,
          keys: keyPairFromSeed(new Uint8Array(32).fill(i + 1)),
          now: () => Date.now(),
        });
        await worker.register({ name: `crowd-${i}` });
        return worker;
      }),
    );
    const offer = { memory_pages_max: 256, fuel_per_second: 1e9, seconds_available: 3600, replicas_max: 2 };
    // Rounds of everyone asking at once, until a round gets nothing more (locked rows are skipped, so a
    // round may leave places for the next).
    let leased = 0;
    for (let round = 0; round < 30; round++) {
      const answers = await Promise.all(workers.map((worker) => worker.lease(offer)));
      const got = answers.reduce((sum, answer) => sum + answer.leases.length, 0);
      leased += got;
      if (got === 0) break;
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const live = await client.query<{ task_id: string; n: number }>(
        `SELECT r.task_id, count(*)::int AS n FROM replica r JOIN task t USING (task_id)
          WHERE t.program_id = $1 AND r.state = 'leased' AND r.lease_expires_at > now() GROUP BY r.task_id`,
        [programId],
      );
      const crowded = live.rows.filter((row) => row.n > 2);
      assert.deepEqual(crowded, [], 'no task has more live replicas than the 2 its policy asks for');
      assert.equal(live.rows.length, TASKS, 'every task got its replicas');
      assert.equal(leased, TASKS * 2, 'and every place was taken once');
    } finally {
      await client.end();
    }
  });
});
