import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestHub, type TestHub } from './support/testHub.ts';

/** Every route of seed 004's program distributor, in OpenAPI path syntax. */
const SEED_ROUTES = [
  'post /account/register',
  'post /account/login',
  'post /account/refresh-token',
  'delete /account/refresh-token',
  'get /account/organizations',
  'get /program/all',
  'get /program/mine',
  'get /program/template',
  'get /program/inputs/{program_id}',
  'get /program/inputs/all/{program_id}',
  'get /program/program-and-inputs/{program_id}',
  'get /program/organization/{organization_id}',
  'get /program/proof/{program_id}/{input_group_id}',
  'patch /program/proof/{program_id}/{input_group_id}',
  'delete /program/proof/{program_id}/{input_group_id}',
  'get /program/proofs',
  'get /program/proofs/{program_id}',
  'get /program/{program_id}',
  'delete /program/{program_id}',
  'delete /program/input/{program_id}/{input_group_id}',
  'post /program/upload',
  'post /program/proof',
  'post /program/inputs/{program_id}',
];

describe('the served API description', () => {
  let hub: TestHub;
  before(async () => {
    hub = await openTestHub('pglite');
  });
  after(() => hub.close());

  it('describes every seed 004 route, each with its error envelope', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const document = response.json();
    assert.match(document.openapi, /^3\./);
    const described = Object.entries(
      document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
    ).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
    for (const route of SEED_ROUTES)
      assert.ok(described.includes(route), `${route} is missing from /openapi.json`);
    for (const [path, operations] of Object.entries(
      document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        assert.ok(
          operation.responses['4XX'] ?? operation.responses['4xx'],
          `${method} ${path} documents its errors`,
        );
      }
    }
    assert.deepEqual(document.components.securitySchemes.token, {
      type: 'apiKey',
      in: 'header',
      name: 'token',
    });
  });

  it('answers the health check with the database driver', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/health' });
    assert.deepEqual(response.json(), {
      status: 'success',
      data: { healthy: true, database: 'pglite', version: '0.1.0' },
    });
  });

  it('answers unknown routes with the envelope', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/nope' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error_code, 'ROUTE_NOT_FOUND');
  });
});
