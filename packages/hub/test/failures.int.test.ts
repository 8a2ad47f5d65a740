import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { openTestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';

for (const driver of DRIVERS) {
  describe(`when the database fails (${driver})`, () => {
    it('answers 500 INTERNAL_SERVER_ERROR without leaking the driver message, and logs it', async () => {
      const hub = await openTestHub(driver);
      await hub.deps.store.close();
      const response = await hub.app.inject({ method: 'GET', url: '/program/all' });
      assert.equal(response.statusCode, 500);
      const answer = response.json();
      assert.equal(answer.error_code, 'INTERNAL_SERVER_ERROR');
      assert.match(answer.error_message, /Try again later/);
      assert.doesNotMatch(answer.error_message, /pglite|pool|closed|sql|postgres/i);
      await hub.app.close();
      await rm(hub.blobDir, { recursive: true, force: true });
    });
  });
}
