import { ProofGridError } from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';

/**
 * A deal's task belongs to its deal until it is settled: its program's owner may not cancel, retry, judge
 * or delete it (the requester's escrow and the stakes on it would be stranded, or paid twice).
 */
export class DealTaskLockedError extends ProofGridError {
  override name = 'DealTaskLockedError';
  constructor({ what }: { what: string }) {
    super('TASK_STATE_CONFLICT', {
      shortMessage: `${what} is part of a market deal: the deal decides it, not the program's owner.`,
      details:
        'Its requester follows it with `proofgrid task show`; it settles at its verdict or its final deadline.',
    });
  }
}

/** @throws {DealTaskLockedError} when the task belongs to a deal */
export async function refuseDealTask(tx: Queryable, taskId: string, what = `Task ${taskId}`): Promise<void> {
  const found = await tx.query('SELECT 1 FROM task WHERE task_id = $1 AND deal_id IS NOT NULL', [taskId]);
  if (found.rowCount > 0) throw new DealTaskLockedError({ what });
}
