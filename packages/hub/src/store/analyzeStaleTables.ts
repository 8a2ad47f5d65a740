import type { Queryable } from './Store.ts';

/**
 * Rows changed since the last ANALYZE before a table's statistics count as stale (or 10 % of its rows).
 * Low, because a table the planner believes empty is the costly case: it then reads every live lease
 * for each task it counts, through the lease-deadline index.
 */
const STALE_ROWS_MIN = 100;

/**
 * Refreshes the planner statistics of tables that changed a lot since they were last analyzed, and returns
 * their names. A PostgreSQL server's autovacuum does this by itself; PGlite runs no background workers, and
 * without statistics its planner picks a queue index over a primary key and scans every group of a program
 * to update one (milliseconds per upload at 20,000 groups, growing with the table).
 */
export async function analyzeStaleTables(db: Queryable): Promise<string[]> {
  const stale = await db.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
      WHERE schemaname = 'public' AND n_mod_since_analyze > greatest($1::bigint, (0.1 * n_live_tup)::bigint)
      ORDER BY relname`,
    [STALE_ROWS_MIN],
  );
  for (const { relname } of stale.rows) {
    // Table names come from the catalog, not from a user; quoting keeps any name literal.
    await db.query(`ANALYZE "${relname.replace(/"/g, '""')}"`);
  }
  return stale.rows.map((row) => row.relname);
}
