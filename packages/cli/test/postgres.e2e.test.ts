import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubApiError, HubClient } from '@proofgrid/client';
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
});
