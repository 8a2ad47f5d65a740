import pg from 'pg';
import type { Queryable, QueryResult, Store } from './Store.ts';

export type OpenPostgresStoreOptions = {
  /** `postgres://user:password@host:port/database` */
  databaseUrl: string;
  /** Connections in the pool; each hub process holds at most this many. */
  connectionsMax: number;
  /** Where pool errors on idle connections go (a restarted server, a dropped socket). */
  onIdleError: (error: Error) => void;
};

/**
 * Connects to a PostgreSQL server through a connection pool. Several hub processes may share one server:
 * the store keeps no state of its own.
 *
 * @throws when the server cannot be reached, with a message naming the URL (password hidden)
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.connectionsMax,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', options.onIdleError);
  // Fail at start, not at the first request, when the URL is wrong.
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end();
    throw new Error(
      `Cannot connect to the PostgreSQL server at ${redactPassword(options.databaseUrl)} (${(error as Error).message}). Check --database-url / DATABASE_URL and that the server runs and accepts this user.`,
      { cause: error },
    );
  }
  return {
    driver: 'postgres',
    query: (text, params) => runQuery(pool, text, params),
    exec: async (script) => {
      await pool.query(script);
    },
    transaction: async (work) => {
      const client = await pool.connect();
      let released = false;
      try {
        await client.query('BEGIN');
        const result = await work(wrapClient(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is broken; destroy it rather than return it to the pool.
          client.release(rollbackError instanceof Error ? rollbackError : true);
          released = true;
        }
        throw error;
      } finally {
        if (!released) client.release();
      }
    },
    close: () => pool.end(),
  };
}

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    query: (text, params) => runQuery(client, text, params),
    exec: async (script) => {
      await client.query(script);
    },
  };
}

async function runQuery<Row>(
  db: pg.Pool | pg.PoolClient,
  text: string,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<Row>> {
  const result = await db.query(text, params === undefined ? [] : [...params]);
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

function redactPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(an unparseable URL)';
  }
}
