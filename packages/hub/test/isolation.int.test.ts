import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  body,
  csvOf,
  multipart,
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
  describe(`one organization cannot touch another's data (${driver})`, () => {
    let hub: TestHub;
    let owner: Awaited<ReturnType<typeof signUp>>;
    let intruder: Awaited<ReturnType<typeof signUp>>;
    let programId: string;
    let groupId: string;

    before(async () => {
      hub = await openTestHub(driver);
      owner = await signUp(hub.app, 'Owner');
      intruder = await signUp(hub.app, 'Intruder');
      programId = await uploadProgram(hub.app, owner.token);
      groupId = await uploadInputs(hub.app, owner.token, programId);
      const lease = await reserve(hub.app, programId);
      const uploaded = await uploadProof(
        hub.app,
        {
          organization_id: owner.organizationId,
          program_id: programId,
          input_group_id: groupId,
          lease_id: String(lease.headers['proofgrid-lease-id']),
        },
        new TextEncoder().encode('owner proof'),
      );
      assert.equal(uploaded.statusCode, 200);
    });
    after(() => hub.close());

    async function assertOwnerDataIntact() {
      const groups = await hub.app.inject({
        method: 'GET',
        url: `/program/inputs/all/${programId}`,
        headers: { token: owner.token },
      });
      const listed = (
        body(groups).data as {
          program_input_groups: {
            input_group_id: string;
            proven_datetime: string | null;
            verified_datetime: string | null;
          }[];
        }
      ).program_input_groups;
      assert.deepEqual(
        listed.map((group) => group.input_group_id),
        [groupId],
      );
      assert.notEqual(listed[0]?.proven_datetime, null);
      assert.equal(listed[0]?.verified_datetime, null);
      const proof = await hub.app.inject({
        method: 'GET',
        url: `/program/proof/${programId}/${groupId}`,
        headers: { token: owner.token },
      });
      assert.equal(proof.body, 'owner proof');
    }

    const routes: {
      name: string;
      method: 'GET' | 'PATCH' | 'DELETE' | 'POST';
      url: () => string;
      form?: () => Promise<{ payload: Buffer; headers: Record<string, string> }>;
    }[] = [
      { name: 'list its input groups', method: 'GET', url: () => `/program/inputs/all/${programId}` },
      { name: 'list its proven groups', method: 'GET', url: () => `/program/proofs/${programId}` },
      { name: 'download its proof', method: 'GET', url: () => `/program/proof/${programId}/${groupId}` },
      { name: 'reject its proof', method: 'PATCH', url: () => `/program/proof/${programId}/${groupId}` },
      { name: 'confirm its proof', method: 'DELETE', url: () => `/program/proof/${programId}/${groupId}` },
      {
        name: 'delete its input group',
        method: 'DELETE',
        url: () => `/program/input/${programId}/${groupId}`,
      },
      { name: 'delete its program', method: 'DELETE', url: () => `/program/${programId}` },
      {
        name: 'upload inputs to its program',
        method: 'POST',
        url: () => `/program/inputs/${programId}`,
        form: () => multipart({ file: { name: 'x.csv', bytes: csvOf([u32(1)]) }, data: { name: 'sneaky' } }),
      },
    ];

    for (const route of routes) {
      it(`cannot ${route.name}: PROGRAM_NOT_FOUND, nothing changes`, async () => {
        const form = route.form ? await route.form() : undefined;
        const response = await hub.app.inject({
          method: route.method,
          url: route.url(),
          headers: { ...(form?.headers ?? {}), token: intruder.token },
          ...(form ? { payload: form.payload } : {}),
        });
        assert.equal(response.statusCode, 404, response.body);
        assert.equal(body(response).error_code, 'PROGRAM_NOT_FOUND');
        await assertOwnerDataIntact();
      });
    }

    it("does not see the owner's programs in its own listings", async () => {
      const mine = body(
        await hub.app.inject({ method: 'GET', url: '/program/mine', headers: { token: intruder.token } }),
      ).data as { total_elements_amount: number };
      const proofs = body(
        await hub.app.inject({ method: 'GET', url: '/program/proofs', headers: { token: intruder.token } }),
      ).data as { total_elements_amount: number };
      assert.equal(mine.total_elements_amount, 0);
      assert.equal(proofs.total_elements_amount, 0);
    });

    it("cannot upload a proof into the owner's group by naming the owner's organization", async () => {
      const response = await uploadProof(hub.app, {
        organization_id: intruder.organizationId,
        program_id: programId,
        input_group_id: groupId,
        lease_id: '00000000-0000-4000-8000-000000000000',
      });
      assert.equal(response.statusCode, 404);
      await assertOwnerDataIntact();
    });
  });
}
