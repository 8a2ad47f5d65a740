import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
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

/** A fresh PostgreSQL database for a hub process under test; returns its URL and a drop function. */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = `proofgrid_test_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The tests need a PostgreSQL server at ${TEST_POSTGRES_URL} (${(error as Error).message}). Start one (.ci/run does: pg_ctlcluster <version> main start) or set PROOFGRID_TEST_POSTGRES_URL.`,
    );
  }
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
