import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Queryable, QueryResult, Store } from './Store.ts';

export type OpenPgliteStoreOptions =
  /** A data directory on disk: created (initdb, a few seconds) on first use, reopened after. */
  | { dataDir: string; loadDataDir?: undefined }
  /** An in-memory database started from a dump (`dumpDataDir`); tests use a migrated template. */
  | { dataDir?: undefined; loadDataDir: Blob };

/**
 * Opens embedded PostgreSQL (PGlite). It runs in this process and serializes every statement, so one
 * data directory belongs to one hub process (`acquireDataDirLock` guards that).
 */
export async function openPgliteStore(options: OpenPgliteStoreOptions): Promise<Store & { pglite: PGlite }> {
  const db =
    options.dataDir === undefined
      ? await PGlite.create({ loadDataDir: options.loadDataDir })
      : await PGlite.create({ dataDir: options.dataDir });
  // PGlite's pages are in memory: a random read costs what a sequential one does. With PostgreSQL's disk
  // default (4), the planner prefers scanning a small table once per row of a larger one to an index,
  // which in WebAssembly made the lease query ten times slower once the tables had statistics.
  await db.query('SET random_page_cost = 1.1');
  return {
    driver: 'pglite',
    pglite: db,
    query: (text, params) => runQuery(db, text, params),
    exec: async (script) => {
      await db.exec(script);
    },
    transaction: (work) => db.transaction((tx) => work(wrapTransaction(tx))),
    close: () => db.close(),
  };
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    query: (text, params) => runQuery(tx, text, params),
    exec: async (script) => {
      await tx.exec(script);
    },
  };
}

async function runQuery<Row>(
  db: Pick<Transaction, 'query'>,
  text: string,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<Row>> {
  const result = await db.query<Row>(text, params === undefined ? [] : [...params]);
  return { rows: result.rows, rowCount: Math.max(result.rows.length, result.affectedRows ?? 0) };
}
