import type { Queryable } from '../store/Store.ts';

/** A task's input values, in order. */
export async function readInputValues(db: Queryable, inputGroupId: string): Promise<Uint8Array[]> {
  const rows = await db.query<{ value: Uint8Array }>(
    'SELECT value FROM input_value WHERE input_group_id = $1 ORDER BY position',
    [inputGroupId],
  );
  return rows.rows.map((row) => row.value);
}
