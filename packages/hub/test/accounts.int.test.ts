import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { body, signUp } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';

for (const driver of DRIVERS) {
  describe(`accounts and sessions (${driver})`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await openTestHub(driver, { loginAttemptsPerUsernameMax: 3 });
    });
    after(() => hub.close());

    const post = (url: string, payload: unknown) =>
      hub.app.inject({ method: 'POST', url, payload: payload as object });
    const mine = (token: string) =>
      hub.app.inject({ method: 'GET', url: '/program/mine', headers: { token } });

    it('registers, refuses a taken username, and logs in', async () => {
      const payload = {
        username: 'alice-lab',
        password: 'long enough',
        name: 'Alice Lab',
        description: 'proteins',
      };
      assert.equal((await post('/account/register', payload)).statusCode, 200);
      const again = await post('/account/register', { ...payload, name: 'Other' });
      assert.equal(again.statusCode, 409);
      assert.equal(body(again).error_code, 'USERNAME_ALREADY_EXISTS');
      const login = await post('/account/login', { username: 'alice-lab', password: 'long enough' });
      assert.equal(login.statusCode, 200);
      const data = body(login).data as { basic_token: { token: string }; refresh_token: { token: string } };
      assert.equal((await mine(data.basic_token.token)).statusCode, 200);
    });

    it('answers bad registrations with VALIDATION_FAILED and what to fix', async () => {
      const cases = [
        { username: 'bob', password: 'short', name: 'B', description: '' },
        { username: 'bob', password: 'long enough', description: '' },
        { username: 'x'.repeat(300), password: 'long enough', name: 'B', description: '' },
        { username: 'bob', password: 'long enough', name: 'B', description: 'd'.repeat(701) },
      ];
      for (const payload of cases) {
        const response = await post('/account/register', payload);
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(body(response).error_code, 'VALIDATION_FAILED');
        assert.match(body(response).error_message ?? '', /body/);
      }
      const notJson = await hub.app.inject({
        method: 'POST',
        url: '/account/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"username":',
      });
      assert.equal(notJson.statusCode, 400);
      assert.equal(body(notJson).error_code, 'VALIDATION_FAILED');
    });

    it('refuses a JSON body over 64 KiB with PAYLOAD_TOO_LARGE before reading it', async () => {
      const response = await post('/account/register', {
        username: 'big',
        password: 'long enough',
        name: 'x',
        description: 'd'.repeat(70 * 1024),
      });
      assert.equal(response.statusCode, 413);
      assert.equal(body(response).error_code, 'PAYLOAD_TOO_LARGE');
    });

    it('gives the same WRONG_CREDENTIALS for an unknown user and a wrong password', async () => {
      const org = await signUp(hub.app);
      const wrong = await post('/account/login', { username: org.username, password: 'not the password' });
      const unknown = await post('/account/login', { username: 'nobody-here', password: 'not the password' });
      assert.equal(wrong.statusCode, 403);
      assert.equal(unknown.statusCode, 403);
      assert.equal(body(wrong).error_code, 'WRONG_CREDENTIALS');
      assert.equal(body(wrong).error_message, body(unknown).error_message);
    });

    it('rotates refresh tokens: each works once, and a replay revokes the whole session', async () => {
      const org = await signUp(hub.app);
      const first = await post('/account/refresh-token', { refresh_token: org.refresh.token });
      assert.equal(first.statusCode, 200);
      const rotated = body(first).data as {
        token: string;
        token_id: string;
        refresh_token: { token: string };
      };
      assert.notEqual(rotated.refresh_token.token, org.refresh.token);
      assert.equal((await mine(rotated.token)).statusCode, 200);

      const replay = await post('/account/refresh-token', { refresh_token: org.refresh.token });
      assert.equal(replay.statusCode, 404);
      assert.equal(body(replay).error_code, 'REFRESH_TOKEN_NOT_FOUND');
      assert.match(body(replay).error_message ?? '', /revoked/);
      // The replay looked like theft: the rotated tokens die with the session.
      assert.equal(
        body(await post('/account/refresh-token', { refresh_token: rotated.refresh_token.token })).error_code,
        'REFRESH_TOKEN_NOT_FOUND',
      );
      assert.equal(body(await mine(rotated.token)).error_code, 'INVALID_TOKEN');
    });

    it('logout revokes the session at once, basic tokens included', async () => {
      const org = await signUp(hub.app);
      assert.equal((await mine(org.token)).statusCode, 200);
      const logout = await hub.app.inject({
        method: 'DELETE',
        url: '/account/refresh-token',
        payload: { token_id: org.refresh.token_id },
      });
      assert.equal(logout.statusCode, 200);
      const after = await mine(org.token);
      assert.equal(after.statusCode, 403);
      assert.equal(body(after).error_code, 'INVALID_TOKEN');
      assert.equal(
        body(await post('/account/refresh-token', { refresh_token: org.refresh.token })).error_code,
        'REFRESH_TOKEN_NOT_FOUND',
      );
      const unknown = await hub.app.inject({
        method: 'DELETE',
        url: '/account/refresh-token',
        payload: { token_id: 'not-a-token' },
      });
      assert.equal(body(unknown).error_code, 'REFRESH_TOKEN_NOT_FOUND');
    });

    it('basic tokens expire after 15 minutes and must be refreshed', async () => {
      const org = await signUp(hub.app);
      hub.clock.advanceMs(15 * 60_000 + 1000);
      const expired = await mine(org.token);
      assert.equal(body(expired).error_code, 'INVALID_TOKEN');
      assert.match(body(expired).error_message ?? '', /expired/);
      const refreshed = body(await post('/account/refresh-token', { refresh_token: org.refresh.token }))
        .data as { token: string };
      assert.equal((await mine(refreshed.token)).statusCode, 200);
    });

    it('refuses missing, forged and tampered tokens with INVALID_TOKEN', async () => {
      const org = await signUp(hub.app);
      const [header, payload] = org.token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const otherPayload = Buffer.from(
        JSON.stringify({ ...claims, organization_id: '00000000-0000-4000-8000-000000000000' }),
      ).toString('base64url');
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
      for (const headers of [
        {},
        { token: 'garbage' },
        { token: `${header}.${otherPayload}.${org.token.split('.')[2]}` },
        { token: unsigned },
      ]) {
        const response = await hub.app.inject({ method: 'GET', url: '/program/mine', headers });
        assert.equal(response.statusCode, 403);
        assert.equal(body(response).error_code, 'INVALID_TOKEN');
      }
    });

    it('rate-limits login attempts per address and username with 429 and Retry-After', async () => {
      const org = await signUp(hub.app); // one attempt used by signUp
      for (let i = 0; i < 2; i++)
        assert.equal(
          (await post('/account/login', { username: org.username, password: 'wrong one' })).statusCode,
          403,
        );
      const limited = await post('/account/login', { username: org.username, password: org.password });
      assert.equal(limited.statusCode, 429);
      assert.equal(body(limited).error_code, 'TOO_MANY_REQUESTS');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      hub.clock.advanceMs(61_000);
      assert.equal(
        (await post('/account/login', { username: org.username, password: org.password })).statusCode,
        200,
      );
    });

    it('lists organizations with seed paging: limit clamped to 1..50, name prefix filter, total', async () => {
      const prefix = `Paging${driver}`;
      for (let i = 0; i < 3; i++) await signUp(hub.app, `${prefix} ${i}`);
      await signUp(hub.app, 'Percent%Org');
      const page = await hub.app.inject({
        method: 'GET',
        url: `/account/organizations?name_filter=${prefix}&limit=2&page=2`,
      });
      const data = body(page).data as { organizations: { name: string }[]; total_elements_amount: number };
      assert.equal(data.total_elements_amount, 3);
      assert.deepEqual(
        data.organizations.map((o) => o.name),
        [`${prefix} 2`],
      );
      const clamped = body(await hub.app.inject({ method: 'GET', url: '/account/organizations?limit=500' }))
        .data as { organizations: unknown[] };
      assert.ok(clamped.organizations.length <= 50);
      const literal = body(
        await hub.app.inject({ method: 'GET', url: '/account/organizations?name_filter=Percent%25' }),
      ).data as { total_elements_amount: number };
      assert.equal(literal.total_elements_amount, 1);
      const wildcard = body(
        await hub.app.inject({ method: 'GET', url: '/account/organizations?name_filter=%25' }),
      ).data as { total_elements_amount: number };
      assert.equal(wildcard.total_elements_amount, 0);
      for (const query of ['limit=0', 'page=0', 'limit=abc']) {
        const bad = await hub.app.inject({ method: 'GET', url: `/account/organizations?${query}` });
        assert.equal(bad.statusCode, 400, query);
        assert.equal(body(bad).error_code, 'VALIDATION_FAILED');
      }
    });
  });
}
