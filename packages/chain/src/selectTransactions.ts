import { type Accounts, transferInto } from './accounts.ts';
import { BLOCK_BYTES_MAX, JOB_QUEUE_MAX, TRANSACTIONS_PER_BLOCK_MAX } from './constants.ts';
import type { Transaction } from './transaction.ts';

/** What a block holds besides its transfers (header, declarations, signatures), at most, in bytes. */
const BLOCK_OVERHEAD_BYTES = 128 * 1024;
const encoder = new TextEncoder();

/**
 * The transfers a wrapper puts in its block: those of the pool that apply, in order, to the parent's
 * accounts — each sender's by nonce, so one that arrived before its predecessor still goes in — up to the
 * block's limit. What does not apply yet (a nonce gap, a balance still too low) stays in the pool.
 */
export function selectTransactions(
  pool: readonly Transaction[],
  accounts: Accounts,
  {
    feeTo,
    max = TRANSACTIONS_PER_BLOCK_MAX,
    jobsQueued = 0,
  }: { feeTo: string; max?: number; jobsQueued?: number },
): Transaction[] {
  const ordered = [...pool].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.nonce - b.nonce));
  const after = new Map(accounts);
  const chosen: Transaction[] = [];
  let bytes = BLOCK_OVERHEAD_BYTES;
  let jobs = jobsQueued;
  const skipped = new Set<string>();
  for (const transaction of ordered) {
    if (chosen.length >= max) break;
    // A sender whose earlier transaction stays out cannot have a later one in (its nonce would not follow).
    if (skipped.has(transaction.from)) continue;
    const size = encoder.encode(JSON.stringify(transaction)).length;
    const job = 'kind' in transaction && transaction.kind === 'train-job';
    // A full job queue or a full block leaves the transaction for a later block.
    if ((job && jobs >= JOB_QUEUE_MAX) || bytes + size > BLOCK_BYTES_MAX) {
      skipped.add(transaction.from);
      continue;
    }
    if (transferInto(after, transaction, { feeTo }) === null) {
      chosen.push(transaction);
      bytes += size;
      if (job) jobs += 1;
    }
  }
  return chosen;
}
