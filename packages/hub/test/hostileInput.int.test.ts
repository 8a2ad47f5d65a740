import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTES, type RouteDefinition } from '@proofgrid/api';
import { encodeCanonical, WORKER_HEADERS } from '@proofgrid/core';
import { body, multipart, signUp, uploadInputs, uploadProgram } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

/** Worker headers whose signature covers nothing in particular: the hub must refuse them with a 4xx. */
function workerHeadersOf(url: string): Record<string, string> {
  return {
    [WORKER_HEADERS.workerId]: '00000000-0000-4000-8000-000000000000',
    [WORKER_HEADERS.timestampMs]: String(Date.now()),
    [WORKER_HEADERS.signature]: Buffer.alloc(64, url.length).toString('base64'),
  };
}

/** Values no column can store or no limit bounds, as they arrive in each part of a request. */
const HOSTILE_TEXT = ['a\u0000b', '\u0000'];
const HOSTILE_QUERY = ['%00', 'a%00b', '1e309', '-1e309', 'NaN', '9'.repeat(400)];
const HOSTILE_JSON = ['"a\\u0000b"', '1e309', '-1e309', `${'['.repeat(5000)}${']'.repeat(5000)}`];

function fieldsOf(schema: { properties?: Record<string, unknown> } | undefined): string[] {
  return Object.keys(schema?.properties ?? {});
}

for (const driver of DRIVERS) {
  describe(`hostile input on every route (${driver})`, () => {
    let hub: TestHub;
    let token: string;
    let organizationId: string;
    let programId: string;
    let groupId: string;
    let worker: Awaited<ReturnType<typeof testWorker>>;
    before(async () => {
      hub = await openTestHub(driver);
      const org = await signUp(hub.app);
      token = org.token;
      organizationId = org.organizationId;
      programId = await uploadProgram(hub.app, token);
      groupId = await uploadInputs(hub.app, token, programId);
      worker = await testWorker(hub, 7);
    });
    after(() => hub.close());

    /** The route's path with real ids, or with `hostile` in place of `field`. */
    const pathOf = (route: RouteDefinition, field?: string, hostile?: string) =>
      route.path.replace(/:([a-z_]+)/g, (_, name: string) =>
        name === field
          ? (hostile ?? '')
          : name === 'program_id'
            ? programId
            : name === 'input_group_id'
              ? groupId
              : name === 'organization_id'
                ? organizationId
                : '00000000-0000-4000-8000-000000000000',
      );

    const send = async (route: RouteDefinition, url: string, payload?: string) => {
      const headers: Record<string, string> = { token };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (route.auth === 'worker') {
        // Signed over the parsed body where it has a canonical form (NUL strings do); a body without one
        // (Infinity, too deep) goes with a signature over nothing, as an attacker's would.
        let parsed: unknown = null;
        try {
          parsed = payload === undefined ? null : JSON.parse(payload);
          encodeCanonical(parsed as never);
        } catch {
          parsed = null;
        }
        const method = route.method === 'GET' ? 'GET' : 'POST';
        if (payload === undefined || parsed !== null)
          return worker.signedOn(hub.app, method, url, parsed as never);
        return hub.app.inject({
          method,
          url,
          headers: { ...workerHeadersOf(url), 'content-type': 'application/json' },
          payload,
        });
      }
      return hub.app.inject({
        method: route.method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
    };

    const healthy = async () => {
      const health = await hub.app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200, 'the hub answers /health throughout');
    };

    it('answers every hostile path, query and body value with a 4xx naming it, never a 5xx', async () => {
      const failures: string[] = [];
      const check = async (what: string, answer: { statusCode: number; body: string }) => {
        if (answer.statusCode >= 500)
          failures.push(`${what} → ${answer.statusCode} ${answer.body.slice(0, 200)}`);
      };
      for (const route of ROUTES as readonly RouteDefinition[]) {
        for (const field of fieldsOf(route.params as never))
          for (const hostile of ['%00', 'a%00b'])
            await check(
              `${route.id} path ${field}=${hostile}`,
              await send(route, pathOf(route, field, hostile)),
            );
        for (const field of fieldsOf(route.query as never))
          for (const hostile of HOSTILE_QUERY)
            await check(
              `${route.id} ?${field}=${hostile}`,
              await send(route, `${pathOf(route)}?${field}=${hostile}`),
            );
        if (route.body !== undefined) {
          for (const field of fieldsOf(route.body as never))
            for (const hostile of HOSTILE_JSON)
              await check(
                `${route.id} body ${field}=${hostile.slice(0, 20)}`,
                await send(route, pathOf(route), `{"${field}":${hostile}}`),
              );
          await check(
            `${route.id} a deeply nested body`,
            await send(route, pathOf(route), `${'['.repeat(20_000)}${']'.repeat(20_000)}`),
          );
        }
        if (route.multipart !== undefined) {
          for (const field of fieldsOf(route.multipart.data))
            for (const hostile of HOSTILE_TEXT) {
              const form = await multipart({
                file: { name: 'f.csv', bytes: new TextEncoder().encode('AAAABw==\n') },
                data: { [field]: hostile },
              });
              await check(
                `${route.id} data.${field} with NUL`,
                await hub.app.inject({
                  method: route.method,
                  url: pathOf(route),
                  headers: { ...form.headers, token },
                  payload: form.payload,
                }),
              );
            }
          const named = await multipart({
            file: { name: 'a\u0000b.csv', bytes: new TextEncoder().encode('AAAABw==\n') },
            data: {},
          });
          await check(
            `${route.id} file name with NUL`,
            await hub.app.inject({
              method: route.method,
              url: pathOf(route),
              headers: { ...named.headers, token },
              payload: named.payload,
            }),
          );
        }
        await healthy();
      }
      assert.deepEqual(failures, []);
    });

    it('names the field a NUL character or an infinite number came in', async () => {
      const registered = await hub.app.inject({
        method: 'POST',
        url: '/account/register',
        payload: { username: 'nul\u0000user', password: 'long enough', name: 'x', description: '' },
      });
      assert.equal(registered.statusCode, 400);
      assert.match(body(registered).error_message ?? '', /body\.username: it holds a NUL character/);
      for (const url of [
        '/program/all?page=1e309',
        `/program/inputs/all/${programId}?limit=1e309`,
        '/account/organizations?page=Infinity',
      ]) {
        const answer = await hub.app.inject({ method: 'GET', url, headers: { token } });
        assert.equal(answer.statusCode, 400, url);
        assert.match(body(answer).error_message ?? '', /is not a finite number/, url);
      }
      const filtered = await hub.app.inject({ method: 'GET', url: '/program/all?name_filter=a%00b' });
      assert.equal(filtered.statusCode, 400);
    });
  });
}
