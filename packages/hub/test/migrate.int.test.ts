import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestPostgresDatabase } from '../../../test/support/postgres.ts';
import { listMigrations, migrate } from '../src/store/migrate.ts';
import { openPostgresStore } from '../src/store/openPostgresStore.ts';

describe('migrations on a shared PostgreSQL server', () => {
  it('apply once when several hubs start at the same moment on an empty database', async () => {
    for (let round = 0; round < 5; round++) {
      const database = await createTestPostgresDatabase();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () =>
          openPostgresStore({ databaseUrl: database.url, connectionsMax: 2, onIdleError: () => undefined }),
        ),
      );
      try {
        const applied = await Promise.all(stores.map((store) => migrate(store)));
        assert.deepEqual(
          applied.flat().sort((a, b) => a - b),
          listMigrations().map((migration) => migration.version),
        );
        const rows = await stores[0]?.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migration');
        assert.equal(rows?.rows[0]?.n, listMigrations().length);
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    }
  });
});
