import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CanonicalValue,
  encodeBase64,
  keyPairFromSeed,
  signCanonical,
  WORKER_HEADERS,
  WORKER_REGISTRATION_DOMAIN,
  WORKER_REQUEST_DOMAIN,
  workerRegistrationMessage,
  workerRequestMessage,
} from '@proofgrid/core';
import { body, signUp } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';

const keys = (seed: number) => keyPairFromSeed(new Uint8Array(32).fill(seed));

for (const driver of DRIVERS) {
  describe(`worker registration and signed requests (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver);
    });
    after(() => hub.close());

    function registration(seed: number, name = `worker-${seed}`, timestampMs = hub.clock.nowMs()) {
      const pair = keys(seed);
      const publicKey = encodeBase64(pair.publicKey);
      const signature = signCanonical({
        secretKey: pair.secretKey,
        domain: WORKER_REGISTRATION_DOMAIN,
        value: workerRegistrationMessage({ publicKey, name, timestampMs }),
      });
      return { public_key: publicKey, name, timestamp_ms: timestampMs, signature: encodeBase64(signature) };
    }

    function signedHeaders(
      seed: number,
      workerId: string,
      {
        method = 'GET',
        path = '/worker/me',
        payload = null as CanonicalValue,
        timestampMs = hub.clock.nowMs(),
      } = {},
    ) {
      const signature = signCanonical({
        secretKey: keys(seed).secretKey,
        domain: WORKER_REQUEST_DOMAIN,
        value: workerRequestMessage({ method, path, timestampMs, body: payload }),
      });
      return {
        [WORKER_HEADERS.workerId]: workerId,
        [WORKER_HEADERS.timestampMs]: String(timestampMs),
        [WORKER_HEADERS.signature]: encodeBase64(signature),
      };
    }

    it('registers a key once: the same key gets the same id, and a token links it to the account', async () => {
      const first = await hub.app.inject({
        method: 'POST',
        url: '/worker/register',
        payload: registration(1),
      });
      assert.equal(first.statusCode, 200, first.body);
      const { worker_id } = body(first).data as { worker_id: string; organization_id: null };
      const org = await signUp(hub.app);
      const again = await hub.app.inject({
        method: 'POST',
        url: '/worker/register',
        headers: { token: org.token },
        payload: registration(1, 'renamed'),
      });
      assert.deepEqual(body(again).data, { worker_id, organization_id: org.organizationId });
      const me = await hub.app.inject({
        method: 'GET',
        url: '/worker/me',
        headers: signedHeaders(1, worker_id),
      });
      assert.equal(me.statusCode, 200, me.body);
      const record = body(me).data as { name: string; organization_id: string; reputation: unknown };
      assert.equal(record.name, 'renamed');
      assert.equal(record.organization_id, org.organizationId);
      assert.deepEqual(record.reputation, {
        consecutive_valid: 0,
        results_valid: 0,
        results_invalid: 0,
        leases_lapsed: 0,
      });
    });

    it('refuses a registration signed by another key, or with a stale timestamp', async () => {
      const forged = { ...registration(2), signature: registration(3).signature };
      const refused = await hub.app.inject({ method: 'POST', url: '/worker/register', payload: forged });
      assert.equal(refused.statusCode, 403);
      assert.equal(body(refused).error_code, 'INVALID_SIGNATURE');
      const stale = await hub.app.inject({
        method: 'POST',
        url: '/worker/register',
        payload: registration(2, 'late', hub.clock.nowMs() - 6 * 60_000),
      });
      assert.equal(body(stale).error_code, 'INVALID_SIGNATURE');
      assert.match(body(stale).error_message ?? '', /more than 5 minutes/);
      const malformed = await hub.app.inject({
        method: 'POST',
        url: '/worker/register',
        payload: { ...registration(2), public_key: 'abc' },
      });
      assert.equal(body(malformed).error_code, 'VALIDATION_FAILED');
    });

    it('accepts a signed request only from its worker, for that request, in time', async () => {
      const registered = await hub.app.inject({
        method: 'POST',
        url: '/worker/register',
        payload: registration(4),
      });
      const { worker_id } = body(registered).data as { worker_id: string };
      const cases: [Record<string, string>, string][] = [
        [signedHeaders(5, worker_id), 'INVALID_SIGNATURE'], // another key
        [signedHeaders(4, worker_id, { path: '/worker/other' }), 'INVALID_SIGNATURE'], // signed for another path
        [signedHeaders(4, worker_id, { timestampMs: hub.clock.nowMs() - 10 * 60_000 }), 'INVALID_SIGNATURE'], // replayed later
        [signedHeaders(4, '00000000-0000-4000-8000-000000000000'), 'WORKER_NOT_FOUND'],
        [{}, 'VALIDATION_FAILED'],
      ];
      for (const [headers, code] of cases) {
        const response = await hub.app.inject({ method: 'GET', url: '/worker/me', headers });
        assert.equal(body(response).error_code, code, JSON.stringify(headers));
      }
      assert.equal(
        (await hub.app.inject({ method: 'GET', url: '/worker/me', headers: signedHeaders(4, worker_id) }))
          .statusCode,
        200,
      );
    });
  });
}
