import { readdirSync, readFileSync } from 'node:fs';
import { assert } from '@proofgrid/core';
import type { Store } from './Store.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Any constant works; it only has to be the same in every hub process sharing one database. */
const MIGRATION_LOCK_KEY = 7_351_024;

export type Migration = { version: number; name: string; sql: string };

/** The migrations shipped with this hub, in version order (`NNNN_name.sql`). */
export function listMigrations(): Migration[] {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
  return files.map((file, index) => {
    const version = Number(file.slice(0, 4));
    assert(version === index + 1, `migration ${file} is numbered in sequence`);
    return { version, name: file.slice(5, -4), sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8') };
  });
}

/**
 * Applies every migration the database has not seen, each in its own transaction, under an advisory lock
 * so that hubs starting together on one PostgreSQL server do not race. Returns the versions applied.
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = listMigrations(),
): Promise<number[]> {
  // Under the lock too: two servers running CREATE TABLE IF NOT EXISTS at once can both try to create it.
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migration WHERE version = $1', [migration.version]);
      if (seen.rowCount > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, now())', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
