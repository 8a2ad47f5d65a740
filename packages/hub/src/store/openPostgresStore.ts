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
 * @throws when the server cannot be reached; the caller turns that into a message naming the URL.
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
  const probe = await pool.connect();
  probe.release();
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
