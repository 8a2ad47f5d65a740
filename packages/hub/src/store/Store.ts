/** A result of one SQL statement; both drivers are adapted to this shape. */
export type QueryResult<Row> = { rows: Row[]; rowCount: number };

/** Something SQL can be sent to: the store itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The hub's SQL database. One schema and one set of migrations serve both drivers: embedded PGlite (a
 * directory on disk, the default) and a PostgreSQL server. Services see only this interface.
 */
export interface Store extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
