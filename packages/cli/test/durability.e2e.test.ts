import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubApiError, HubClient } from '@proofgrid/client';
import {
  reserve,
  signUp,
  startPartialUpload,
  uploadInputs,
  uploadProgram,
  uploadProof,
} from './support/hubApi.ts';
import { runCli, startHubProcess } from './support/hubProcess.ts';

describe('a hub process loses nothing across restarts and crashes (PGlite data directory)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-durability-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps accounts, programs, inputs, leases and proofs across SIGTERM and SIGKILL', async () => {
    let hubProcess = await startHubProcess(['--data-dir', dataDir]);
    let hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub, 'Durable Lab');
    const programId = await uploadProgram(hub, org.token, 'durable');
    const groupIds = [
      await uploadInputs(hub, org.token, programId, 'g1.csv', 'AAAABw==\nAAAACw==\n'),
      await uploadInputs(hub, org.token, programId, 'g2.csv', 'AAAADQ==\n'),
    ];
    const lease = await reserve(hub, programId);
    assert.equal(lease.groupId, groupIds[0]);

    const stopped = await hubProcess.stop('SIGTERM');
    assert.equal(stopped.code, 0, hubProcess.output());
    assert.match(hubProcess.output(), /hub stopped/);

    hubProcess = await startHubProcess(['--data-dir', dataDir]);
    hub = new HubClient({ url: hubProcess.url });
    // Same secrets: the token issued before the restart is still good, and so is the lease.
    const mine = await hub.api.listMyPrograms({}, { token: org.token });
    assert.deepEqual(
      mine.programs.map((p) => p.program_id),
      [programId],
    );
    const groups = await hub.api.listInputGroups({ params: { program_id: programId } }, { token: org.token });
    assert.deepEqual(
      groups.program_input_groups.map((g) => g.input_group_id),
      groupIds,
    );
    assert.notEqual(groups.program_input_groups[0]?.last_reserved, null);
    const data = {
      organization_id: org.organizationId,
      program_id: programId,
      input_group_id: lease.groupId,
      lease_id: lease.leaseId,
    };
    await uploadProof(hub, data, new TextEncoder().encode('proof made before the restart'));

    // Acknowledged means durable: a SIGKILL right after the answer loses nothing.
    const killed = await hubProcess.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    hubProcess = await startHubProcess(['--data-dir', dataDir]);
    hub = new HubClient({ url: hubProcess.url });
    const proof = await hub.api.downloadProof(
      { params: { program_id: programId, input_group_id: lease.groupId } },
      { token: org.token },
    );
    assert.equal(new TextDecoder().decode(proof.bytes), 'proof made before the restart');
    const next = await reserve(hub, programId);
    assert.equal(next.groupId, groupIds[1], 'the proven group is not handed out again');
    assert.equal((await hubProcess.stop('SIGTERM')).code, 0);
  });

  it('shows no half-written program or input group after a SIGKILL mid-upload', async () => {
    let hubProcess = await startHubProcess(['--data-dir', dataDir]);
    let hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    const programId = await uploadProgram(hub, org.token, 'before-crash');

    const programUpload = startPartialUpload(hubProcess.url, {
      path: '/program/upload',
      token: org.token,
      data: { name: 'half-written', description: '', execution_timeout: 60 },
      fileBytes: 16 * 1024 * 1024,
      sentBytes: 8 * 1024 * 1024,
    });
    const inputUpload = startPartialUpload(hubProcess.url, {
      path: `/program/inputs/${programId}`,
      token: org.token,
      data: { name: 'half-written-group' },
      fileBytes: 4 * 1024 * 1024,
      sentBytes: 2 * 1024 * 1024,
    });
    await Promise.all([programUpload.sent, inputUpload.sent]);
    await sleep(300); // let the hub read what was sent
    assert.equal((await hubProcess.stop('SIGKILL')).signal, 'SIGKILL');
    programUpload.abort();
    inputUpload.abort();

    hubProcess = await startHubProcess(['--data-dir', dataDir]);
    hub = new HubClient({ url: hubProcess.url });
    const mine = await hub.api.listMyPrograms({}, { token: org.token });
    assert.deepEqual(
      mine.programs.map((p) => p.name),
      ['before-crash'],
    );
    const groups = await hub.api.listInputGroups({ params: { program_id: programId } }, { token: org.token });
    assert.equal(groups.total_elements_amount, 0);
    assert.deepEqual(
      await readdir(join(dataDir, 'blobs', 'tmp')),
      [String(hubProcess.child.pid)],
      'temporary files of the crashed process are removed',
    );
    // And the hub works on: the same upload now succeeds.
    await uploadProgram(hub, org.token, 'half-written');
    assert.equal((await hubProcess.stop('SIGTERM')).code, 0);
  });

  it('refuses a second hub on a data directory that is in use, saying which process holds it', async () => {
    const first = await startHubProcess(['--data-dir', dataDir]);
    const second = await runCli(['hub', 'start', '--port', '0', '--data-dir', dataDir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`in use by another hub \\(pid ${first.child.pid}\\)`));
    assert.equal((await first.stop('SIGTERM')).code, 0);
  });

  it('takes over the lock a killed hub left behind', async () => {
    const killed = await startHubProcess(['--data-dir', dataDir]);
    await killed.stop('SIGKILL');
    const next = await startHubProcess(['--data-dir', dataDir]);
    const health = await new HubClient({ url: next.url }).api.health({});
    assert.equal(health.healthy, true);
    const stopped = await next.stop('SIGINT');
    assert.equal(stopped.code, 0, next.output());
    assert.match(next.output(), /SIGINT received: stopping the hub\.\.\.\s+hub stopped\./);
  });

  it('answers clearly when a request reaches no hub', async () => {
    const hub = new HubClient({ url: 'http://127.0.0.1:9' });
    await assert.rejects(
      hub.api.listOrganizations({}),
      (error: unknown) =>
        error instanceof HubApiError &&
        error.code === 'HUB_UNREACHABLE' &&
        /Cannot reach the hub/.test(error.message),
    );
  });
});
