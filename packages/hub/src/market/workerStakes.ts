import { formatCredits, isProofGridError } from '@proofgrid/core';
import type { Queryable } from '../store/Store.ts';
import { lockAccounts, organizationAccount, resolvePending, transfer } from './ledger/ledger.ts';

/**
 * Locks a worker's stake on each deal task it is about to lease (a pending transfer from its owner's account,
 * in the lease's transaction). A task whose stake the owner cannot cover is not leased, and the reason says
 * how much is needed, so a worker is never left idle without knowing why ("stake too low" in iExec).
 * Returns the replica ids that may be leased, and the refusals.
 */
export async function lockWorkerStakes(
  tx: Queryable,
  {
    organizationId,
    leases,
    now,
  }: {
    organizationId: string | null;
    leases: readonly { replicaId: string; taskId: string; dealId: string | null }[];
    now: Date;
  },
): Promise<{ allowed: Set<string>; refusals: string[] }> {
  const allowed = new Set<string>();
  const refusals: string[] = [];
  const dealLeases = leases.filter((lease) => lease.dealId !== null);
  for (const lease of leases) if (lease.dealId === null) allowed.add(lease.replicaId);
  if (dealLeases.length === 0) return { allowed, refusals };
  const stakes = await tx.query<{ deal_id: string; worker_stake: string }>(
    'SELECT deal_id, worker_stake::text FROM deal WHERE deal_id = ANY($1::uuid[])',
    [[...new Set(dealLeases.map((lease) => lease.dealId))]],
  );
  const stakeOf = new Map(stakes.rows.map((row) => [row.deal_id, Number(row.worker_stake)]));
  for (const lease of dealLeases) {
    const stake = stakeOf.get(lease.dealId as string) ?? 0;
    if (stake === 0) {
      allowed.add(lease.replicaId);
      continue;
    }
    if (organizationId === null) {
      refusals.push('deal tasks need a stake: link this worker to an account (`worker start` logged in)');
      continue;
    }
    try {
      await transfer(
        tx,
        {
          debit: organizationAccount(organizationId),
          credit: 'system:stakes',
          amount: stake,
          code: 'worker_stake',
          pending: true,
          what: "this worker's stake on a deal task",
          reason: 'staked on leasing a deal task; released unless its result is outvoted',
          dealId: lease.dealId,
          taskId: lease.taskId,
          replicaId: lease.replicaId,
        },
        now,
      );
      allowed.add(lease.replicaId);
    } catch (error) {
      if (!isProofGridError(error, 'INSUFFICIENT_CREDITS')) throw error;
      refusals.push(
        `a deal task needs a stake of ${formatCredits(stake)} from this worker's account: ${error.shortMessage}`,
      );
    }
  }
  return { allowed, refusals };
}

/**
 * Releases the stakes of replicas that ended without a result (given back, lapsed): nobody was proven wrong,
 * and the worker's credits should not stay locked until the task settles. In the caller's transaction.
 */
export async function releaseReplicaStakes(
  tx: Queryable,
  { replicaIds, reason, now }: { replicaIds: readonly string[]; reason: string; now: Date },
): Promise<void> {
  if (replicaIds.length === 0) return;
  const stakes = await tx.query<{
    transfer_id: string;
    deal_id: string;
    task_id: string;
    replica_id: string;
    debit_account: string;
  }>(
    `SELECT t.transfer_id::text, t.deal_id, t.task_id, t.replica_id, t.debit_account FROM ledger_transfer t
      WHERE t.replica_id = ANY($1::uuid[]) AND t.code = 'worker_stake' AND t.flag = 'pending'
        AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.transfer_id)`,
    [[...replicaIds]],
  );
  if (stakes.rows.length === 0) return;
  await lockAccounts(tx, [...stakes.rows.map((stake) => stake.debit_account), 'system:stakes']);
  for (const stake of stakes.rows)
    await resolvePending(
      tx,
      {
        pendingId: Number(stake.transfer_id),
        outcome: 'void',
        code: 'stake_released',
        reason,
        dealId: stake.deal_id,
        taskId: stake.task_id,
        replicaId: stake.replica_id,
      },
      now,
    );
}
