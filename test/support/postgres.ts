import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the tests use; CI starts one on 127.0.0.1:5432. */
export const TEST_POSTGRES_URL =
  process.env.PROOFGRID_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
