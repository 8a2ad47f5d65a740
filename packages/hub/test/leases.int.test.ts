import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTar } from '@proofgrid/core';
import {
  body,
  csvOf,
  programArchive,
  reserve,
  signUp,
  u32,
  uploadInputs,
  uploadProgram,
  uploadProof,
} from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';

for (const driver of DRIVERS) {
  describe(`leases and proofs (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver);
    });
    after(() => hub.close());

    async function setUp(groupCount = 1, timeoutSeconds = 60) {
      const org = await signUp(hub.app);
      const archive = programArchive();
      const programId = await uploadProgram(hub.app, org.token, { archive, timeoutSeconds });
      const groupIds: string[] = [];
      for (let i = 0; i < groupCount; i++)
        groupIds.push(
          await uploadInputs(hub.app, org.token, programId, {
            name: `g${i}`,
            values: [u32(i), u32(1000 + i)],
          }),
        );
      return { org, programId, groupIds, archive };
    }

    function leaseOf(response: { headers: Record<string, unknown> }) {
      return {
        leaseId: String(response.headers['proofgrid-lease-id']),
        groupId: String(response.headers['proofgrid-input-group-id']),
      };
    }

    it('hands out the program, the CSV rebuilt in order and the lease in one tar', async () => {
      const { org, programId, groupIds, archive } = await setUp();
      const response = await reserve(hub.app, programId);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/x-tar');
      const entries = readTar(response.rawPayload);
      const byPath = new Map(entries.map((entry) => [entry.path, entry.data]));
      assert.deepEqual(
        [...byPath.keys()].sort(),
        [`${groupIds[0]}.csv`, `${programId}.tar`, 'lease.json'].sort(),
      );
      assert.deepEqual(Buffer.from(byPath.get(`${programId}.tar`) ?? []), Buffer.from(archive));
      assert.equal(
        Buffer.from(byPath.get(`${groupIds[0]}.csv`) ?? []).toString(),
        Buffer.from(csvOf([u32(0), u32(1000)])).toString(),
      );
      const lease = JSON.parse(Buffer.from(byPath.get('lease.json') ?? []).toString());
      assert.equal(lease.lease_id, response.headers['proofgrid-lease-id']);
      assert.equal(lease.input_group_id, groupIds[0]);
      assert.equal(lease.organization_id, org.organizationId);
      assert.equal(lease.input_lock_timeout, 60);
      assert.equal(Date.parse(lease.expires_at), hub.clock.nowMs() + 60_000);
    });

    it('refuses a proof upload that names no lease, or another lease, and keeps the group', async () => {
      const { org, programId, groupIds } = await setUp();
      const reserved = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: groupIds[0] ?? '',
      };
      const missing = await uploadProof(hub.app, data);
      assert.equal(missing.statusCode, 400);
      assert.equal(body(missing).error_code, 'LEASE_REQUIRED');
      const forged = await uploadProof(hub.app, {
        ...data,
        lease_id: '00000000-0000-4000-8000-000000000000',
      });
      assert.equal(forged.statusCode, 409);
      assert.equal(body(forged).error_code, 'LEASE_NOT_ACTIVE');
      // The database would match ids in capitals; the hub refuses them, so no proof is recorded half-way.
      for (const shouted of [
        { ...data, lease_id: reserved.leaseId.toUpperCase() },
        { ...data, input_group_id: data.input_group_id.toUpperCase(), lease_id: reserved.leaseId },
      ]) {
        const refused = await uploadProof(hub.app, shouted);
        assert.ok([400, 404].includes(refused.statusCode), refused.body);
      }
      const honest = await uploadProof(
        hub.app,
        { ...data, lease_id: reserved.leaseId },
        new TextEncoder().encode('the real proof'),
      );
      assert.equal(honest.statusCode, 200, honest.body);
      const again = await uploadProof(
        hub.app,
        { ...data, lease_id: reserved.leaseId },
        new TextEncoder().encode('overwrite'),
      );
      assert.equal(body(again).error_code, 'LEASE_NOT_ACTIVE');
      const proof = await hub.app.inject({
        method: 'GET',
        url: `/program/proof/${programId}/${groupIds[0]}`,
        headers: { token: org.token },
      });
      assert.equal(proof.body, 'the real proof');
    });

    it('accepts exactly one of several concurrent uploads under one lease, and stores that one', async () => {
      const { org, programId, groupIds } = await setUp();
      const lease = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: groupIds[0] ?? '',
        lease_id: lease.leaseId,
      };
      const proofs = Array.from({ length: 6 }, (_, i) => `proof number ${i}`);
      const responses = await Promise.all(
        proofs.map((proof) => uploadProof(hub.app, data, new TextEncoder().encode(proof))),
      );
      const winners = responses.flatMap((response, i) => (response.statusCode === 200 ? [proofs[i]] : []));
      assert.equal(winners.length, 1);
      for (const response of responses.filter((r) => r.statusCode !== 200))
        assert.equal(body(response).error_code, 'LEASE_NOT_ACTIVE');
      const stored = await hub.app.inject({
        method: 'GET',
        url: `/program/proof/${programId}/${groupIds[0]}`,
        headers: { token: org.token },
      });
      assert.equal(stored.body, winners[0]);
    });

    it('puts a group back when its lease expires and refuses the late proof', async () => {
      const { org, programId, groupIds } = await setUp(1, 30);
      const first = leaseOf(await reserve(hub.app, programId));
      assert.equal(body(await reserve(hub.app, programId)).error_code, 'INPUT_GROUP_NOT_FOUND');
      hub.clock.advanceMs(30_001);
      const late = await uploadProof(hub.app, {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: groupIds[0] ?? '',
        lease_id: first.leaseId,
      });
      assert.equal(body(late).error_code, 'LEASE_NOT_ACTIVE');
      assert.match(body(late).error_message ?? '', /expired/);
      const second = leaseOf(await reserve(hub.app, programId));
      assert.equal(second.groupId, first.groupId);
      assert.notEqual(second.leaseId, first.leaseId);
      const stale = await uploadProof(hub.app, {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: first.groupId,
        lease_id: first.leaseId,
      });
      assert.equal(body(stale).error_code, 'LEASE_NOT_ACTIVE');
      const current = await uploadProof(hub.app, {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: first.groupId,
        lease_id: second.leaseId,
      });
      assert.equal(current.statusCode, 200);
    });

    it('never hands out a proven group again, even after its lease time, until the proof is rejected', async () => {
      const { org, programId, groupIds } = await setUp(1, 10);
      const lease = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: groupIds[0] ?? '',
        lease_id: lease.leaseId,
      };
      assert.equal((await uploadProof(hub.app, data)).statusCode, 200);
      hub.clock.advanceMs(600_000);
      const none = await reserve(hub.app, programId);
      assert.equal(none.statusCode, 404);
      assert.equal(body(none).error_code, 'INPUT_GROUP_NOT_FOUND');
      assert.match(body(none).error_message ?? '', /1 awaiting verification/);

      const rejected = await hub.app.inject({
        method: 'PATCH',
        url: `/program/proof/${programId}/${groupIds[0]}`,
        headers: { token: org.token },
      });
      assert.equal(rejected.statusCode, 200);
      const pending = await hub.app.inject({
        method: 'GET',
        url: `/program/proofs/${programId}`,
        headers: { token: org.token },
      });
      assert.equal(
        body(pending).data && (body(pending).data as { total_elements_amount: number }).total_elements_amount,
        0,
      );
      const again = leaseOf(await reserve(hub.app, programId));
      assert.equal(again.groupId, groupIds[0]);
    });

    it('confirming a proof marks the group verified and keeps its proof', async () => {
      const { org, programId, groupIds } = await setUp(2);
      const lease = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: lease.groupId,
        lease_id: lease.leaseId,
      };
      assert.equal((await uploadProof(hub.app, data, new TextEncoder().encode('kept'))).statusCode, 200);
      const withProofs = await hub.app.inject({
        method: 'GET',
        url: '/program/proofs',
        headers: { token: org.token },
      });
      assert.deepEqual(
        (body(withProofs).data as { programs: { program_id: string }[] }).programs.map((p) => p.program_id),
        [programId],
      );

      const confirmed = await hub.app.inject({
        method: 'DELETE',
        url: `/program/proof/${programId}/${lease.groupId}`,
        headers: { token: org.token },
      });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      const proof = await hub.app.inject({
        method: 'GET',
        url: `/program/proof/${programId}/${lease.groupId}`,
        headers: { token: org.token },
      });
      assert.equal(proof.statusCode, 200);
      assert.equal(proof.body, 'kept');
      const groups = await hub.app.inject({
        method: 'GET',
        url: `/program/inputs/all/${programId}`,
        headers: { token: org.token },
      });
      const listed = (
        body(groups).data as {
          program_input_groups: {
            input_group_id: string;
            verified_datetime: string | null;
            proven_datetime: string | null;
          }[];
        }
      ).program_input_groups;
      assert.equal(listed.length, 2);
      const verified = listed.find((group) => group.input_group_id === lease.groupId);
      assert.match(verified?.verified_datetime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      assert.match(verified?.proven_datetime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      const verifiedList = await hub.app.inject({
        method: 'GET',
        url: `/program/proofs/${programId}?state=verified`,
        headers: { token: org.token },
      });
      assert.equal((body(verifiedList).data as { total_elements_amount: number }).total_elements_amount, 1);
      const noMorePending = await hub.app.inject({
        method: 'GET',
        url: '/program/proofs',
        headers: { token: org.token },
      });
      assert.equal((body(noMorePending).data as { total_elements_amount: number }).total_elements_amount, 0);
      // The verified group is never leased again; the other one still is.
      hub.clock.advanceMs(600_000);
      assert.equal(
        leaseOf(await reserve(hub.app, programId)).groupId,
        groupIds.find((id) => id !== lease.groupId),
      );
      assert.equal(body(await reserve(hub.app, programId)).error_code, 'INPUT_GROUP_NOT_FOUND');
      const confirmMissing = await hub.app.inject({
        method: 'DELETE',
        url: `/program/proof/${programId}/${groupIds.find((id) => id !== lease.groupId)}`,
        headers: { token: org.token },
      });
      assert.equal(body(confirmMissing).error_code, 'PROOF_NOT_FOUND');
    });

    it('keeps a confirmed proof: rejecting it afterwards is refused, and a group without a proof cannot be judged', async () => {
      const { org, programId, groupIds } = await setUp(2);
      const lease = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: lease.groupId,
        lease_id: lease.leaseId,
      };
      assert.equal((await uploadProof(hub.app, data, new TextEncoder().encode('confirmed'))).statusCode, 200);
      const url = `/program/proof/${programId}/${lease.groupId}`;
      assert.equal(
        (await hub.app.inject({ method: 'DELETE', url, headers: { token: org.token } })).statusCode,
        200,
      );
      const reject = await hub.app.inject({ method: 'PATCH', url, headers: { token: org.token } });
      assert.equal(reject.statusCode, 409);
      assert.equal(body(reject).error_code, 'PROOF_ALREADY_CONFIRMED');
      assert.equal(
        (await hub.app.inject({ method: 'GET', url, headers: { token: org.token } })).body,
        'confirmed',
      );

      // The other group is leased but unproven: judging it is refused and the donor's lease survives.
      const other = leaseOf(await reserve(hub.app, programId));
      assert.equal(
        other.groupId,
        groupIds.find((id) => id !== lease.groupId),
      );
      const otherUrl = `/program/proof/${programId}/${other.groupId}`;
      for (const method of ['PATCH', 'DELETE'] as const) {
        const response = await hub.app.inject({ method, url: otherUrl, headers: { token: org.token } });
        assert.equal(response.statusCode, 404);
        assert.equal(body(response).error_code, 'PROOF_NOT_FOUND');
      }
      const late = await uploadProof(hub.app, {
        ...data,
        input_group_id: other.groupId,
        lease_id: other.leaseId,
      });
      assert.equal(late.statusCode, 200);
    });

    it('tells a donor what is wrong with its upload: bad ids, empty proof, wrong organization', async () => {
      const { org, programId, groupIds } = await setUp();
      const lease = leaseOf(await reserve(hub.app, programId));
      const data = {
        organization_id: org.organizationId,
        program_id: programId,
        input_group_id: groupIds[0] ?? '',
        lease_id: lease.leaseId,
      };
      const badId = await uploadProof(hub.app, { ...data, lease_id: 'abc' });
      assert.equal(badId.statusCode, 400);
      assert.match(body(badId).error_message ?? '', /data\.lease_id is not an id/);
      const empty = await uploadProof(hub.app, data, new Uint8Array(0));
      assert.equal(empty.statusCode, 400);
      assert.match(body(empty).error_message ?? '', /proof file is empty/);
      const other = await signUp(hub.app);
      const wrongOrg = await uploadProof(hub.app, { ...data, organization_id: other.organizationId });
      assert.equal(wrongOrg.statusCode, 404);
      assert.match(
        body(wrongOrg).error_message ?? '',
        new RegExp(`Organization ${other.organizationId} has no input group`),
      );
      assert.match(body(wrongOrg).error_message ?? '', /lease\.json/);
      assert.equal((await uploadProof(hub.app, data)).statusCode, 200, 'the lease survived the bad attempts');
    });

    it('also reserves through GET /program/inputs/{program_id}, naming the group in its headers', async () => {
      const { programId, groupIds } = await setUp();
      const response = await hub.app.inject({ method: 'GET', url: `/program/inputs/${programId}` });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['proofgrid-input-group-id'], groupIds[0]);
      assert.match(String(response.headers['content-disposition']), new RegExp(`${groupIds[0]}\\.csv`));
      assert.equal(response.body, Buffer.from(csvOf([u32(0), u32(1000)])).toString());
    });

    it('answers PROGRAM_NOT_FOUND for an unknown or malformed program id', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const response = await reserve(hub.app, id);
        assert.equal(response.statusCode, 404);
        assert.equal(body(response).error_code, 'PROGRAM_NOT_FOUND');
      }
    });

    it('gives 50 parallel reservations on 20 groups 20 distinct groups and 30 INPUT_GROUP_NOT_FOUND', async () => {
      const { programId, groupIds } = await setUp(20);
      const responses = await Promise.all(Array.from({ length: 50 }, () => reserve(hub.app, programId)));
      const granted = responses
        .filter((response) => response.statusCode === 200)
        .map((response) => leaseOf(response).groupId);
      const refused = responses.filter(
        (response) => response.statusCode === 404 && body(response).error_code === 'INPUT_GROUP_NOT_FOUND',
      );
      assert.equal(granted.length, 20);
      assert.equal(new Set(granted).size, 20);
      assert.deepEqual([...granted].sort(), [...groupIds].sort());
      assert.equal(refused.length, 30);
    });
  });
}
