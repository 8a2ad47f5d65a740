import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestPostgresDatabase } from '../../../../test/support/postgres.ts';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { openPgliteStore } from '../../src/store/openPgliteStore.ts';
import { openPostgresStore } from '../../src/store/openPostgresStore.ts';
import type { Store } from '../../src/store/Store.ts';

export type Driver = 'pglite' | 'postgres';

/** Both drivers: every hub test runs on each. */
export const DRIVERS: readonly Driver[] = ['pglite', 'postgres'];

/** The PostgreSQL server the tests use; CI starts one on 127.0.0.1:5432. */
export const TEST_POSTGRES_URL =
  process.env.PROOFGRID_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const CACHE_DIR = new URL('../../../../node_modules/.cache/proofgrid/', import.meta.url);

/**
 * A dump of a freshly migrated PGlite database, made once per migration set and kept on disk: opening a new
 * PGlite directory runs initdb (seconds, hundreds of MB), loading a dump takes a fraction of that.
 */
async function pgliteTemplate(): Promise<Blob> {
  const hash = createHash('sha256');
  for (const migration of listMigrations()) hash.update(migration.sql);
  const path = join(CACHE_DIR.pathname, `pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    const store = await openPgliteStore({ dataDir: 'memory://' });
    await migrate(store);
    const dump = await store.pglite.dumpDataDir('none');
    await store.close();
    mkdirSync(CACHE_DIR.pathname, { recursive: true });
    const temporary = `${path}.${randomUUID()}`;
    writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
    renameSync(temporary, path);
    return dump;
  }
}

/** A migrated, empty database on the given driver; `close()` discards it. */
export async function openTestStore(driver: Driver): Promise<Store> {
  if (driver === 'pglite') return openPgliteStore({ loadDataDir: await pgliteTemplate() });
  const database = await createTestPostgresDatabase();
  const store = await openPostgresStore({
    databaseUrl: database.url,
    connectionsMax: 8,
    onIdleError: () => undefined,
  });
  await migrate(store);
  return {
    ...store,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}
