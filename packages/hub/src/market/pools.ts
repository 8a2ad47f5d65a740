import { randomUUID } from 'node:crypto';
import { isUuid } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { PoolNotFoundError, WalletNotLinkedError } from './errors.ts';
import { openOrganizationAccount } from './ledger/ledger.ts';

export type Pool = {
  poolId: string;
  ownerId: string;
  name: string;
  description: string;
  workerSharePercent: number;
  createdAt: Date;
  workers: {
    workerId: string;
    name: string;
    organizationId: string | null;
    joinedAt: Date;
    lastSeenAt: Date;
  }[];
};

/** An account creates a workerpool; it manages it: publishes its orders and stakes on its deals. */
export async function createPool(
  ctx: HubContext,
  {
    organizationId,
    name,
    description,
    workerSharePercent,
  }: { organizationId: string; name: string; description: string; workerSharePercent: number },
): Promise<{ poolId: string }> {
  const poolId = randomUUID();
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO pool (pool_id, owner_id, name, description, worker_share_percent, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [poolId, organizationId, name, description, workerSharePercent, now],
    );
    await openOrganizationAccount(tx, organizationId, now);
  });
  return { poolId };
}

export async function showPool(ctx: HubContext, poolId: string): Promise<Pool> {
  if (!isUuid(poolId)) throw new PoolNotFoundError({ poolId });
  const found = await ctx.store.query<{
    owner_id: string;
    name: string;
    description: string;
    worker_share_percent: number;
    created_at: Date;
  }>('SELECT owner_id, name, description, worker_share_percent, created_at FROM pool WHERE pool_id = $1', [
    poolId,
  ]);
  const row = found.rows[0];
  if (row === undefined) throw new PoolNotFoundError({ poolId });
  const members = await ctx.store.query<{
    worker_id: string;
    name: string;
    organization_id: string | null;
    joined_at: Date;
    last_seen_at: Date;
  }>(
    `SELECT w.worker_id, w.name, w.organization_id, m.joined_at, w.last_seen_at FROM pool_member m JOIN worker w USING (worker_id)
      WHERE m.pool_id = $1 ORDER BY m.joined_at LIMIT 1000`,
    [poolId],
  );
  return {
    poolId,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    workerSharePercent: row.worker_share_percent,
    createdAt: row.created_at,
    workers: members.rows.map((member) => ({
      workerId: member.worker_id,
      name: member.name,
      organizationId: member.organization_id,
      joinedAt: member.joined_at,
      lastSeenAt: member.last_seen_at,
    })),
  };
}

/**
 * A worker joins a pool (`worker start --pool <id>`): the hub then leases it the pool's deal tasks. It must
 * belong to an account, which stakes on its tasks and is paid for them.
 */
export async function joinPool(
  ctx: HubContext,
  { worker, poolId }: { worker: AuthenticatedWorker; poolId: string },
): Promise<void> {
  if (worker.organizationId === null)
    throw new WalletNotLinkedError({
      reason:
        'A worker joins a pool only when it belongs to an account (its stakes and pay go there); start it logged in',
    });
  if (!isUuid(poolId)) throw new PoolNotFoundError({ poolId });
  const now = new Date(ctx.clock.nowMs());
  await ctx.store.transaction(async (tx) => {
    const pool = await tx.query('SELECT 1 FROM pool WHERE pool_id = $1', [poolId]);
    if (pool.rowCount === 0) throw new PoolNotFoundError({ poolId });
    await tx.query(
      'INSERT INTO pool_member (pool_id, worker_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [poolId, worker.workerId, now],
    );
    await openOrganizationAccount(tx, worker.organizationId as string, now);
  });
}
