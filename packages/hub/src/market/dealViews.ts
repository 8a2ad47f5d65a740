import { formatCredits, isUuid, type TaskState } from '@proofgrid/core';
import { WORKER_CONNECTED_WINDOW_MS } from '../constants.ts';
import type { HubContext } from '../context.ts';
import { ProofNotFoundError } from '../errors.ts';
import { DealNotFoundError } from './errors.ts';
import { balanceOf, organizationAccount } from './ledger/ledger.ts';

export type DealRow = {
  deal_id: string;
  request_hash: string;
  program_order_hash: string;
  pool_order_hash: string;
  program_id: string;
  pool_id: string;
  requester_id: string;
  program_owner_id: string;
  pool_owner_id: string;
  category: string;
  trust: number;
  tag: string[];
  program_price: string;
  pool_price: string;
  pool_stake: string;
  worker_stake: string;
  worker_share_percent: number;
  volume: number;
  params: string;
  created_at: Date;
  contribution_deadline: Date;
  final_deadline: Date;
};

export type DealTaskSummary = {
  taskId: string;
  index: number;
  state: TaskState;
  outcome: string | null;
  reason: string | null;
};

/** A deal and its tasks, for anyone party to it (requester, program owner, pool manager). @throws DEAL_NOT_FOUND */
export async function showDeal(
  ctx: HubContext,
  { organizationId, dealId }: { organizationId: string; dealId: string },
) {
  if (!isUuid(dealId)) throw new DealNotFoundError({ what: `deal ${dealId}` });
  const found = await ctx.store.query<DealRow>('SELECT * FROM deal WHERE deal_id = $1', [dealId]);
  const deal = found.rows[0];
  if (
    deal === undefined ||
    ![deal.requester_id, deal.program_owner_id, deal.pool_owner_id].includes(organizationId)
  )
    throw new DealNotFoundError({ what: `deal ${dealId}` });
  const tasks = await ctx.store.query<{
    task_id: string;
    deal_index: number;
    state: TaskState;
    outcome: string | null;
    reason: string | null;
  }>(
    `SELECT t.task_id, t.deal_index, t.state, s.outcome, coalesce(s.reason, t.failure_reason) AS reason
       FROM task t LEFT JOIN task_settlement s USING (task_id) WHERE t.deal_id = $1 ORDER BY t.deal_index`,
    [dealId],
  );
  return {
    deal,
    tasks: tasks.rows.map(
      (row): DealTaskSummary => ({
        taskId: row.task_id,
        index: row.deal_index,
        state: row.state,
        outcome: row.outcome,
        reason: row.reason,
      }),
    ),
  };
}

type TaskRow = {
  task_id: string;
  deal_id: string;
  deal_index: number;
  state: TaskState;
  result_hash: string | null;
  failure_reason: string | null;
  final_deadline: Date;
  replicas_wanted: number;
  attempt: number;
  requester_id: string;
  program_owner_id: string;
  pool_owner_id: string;
  pool_id: string;
  worker_stake: string;
};

async function loadTask(ctx: HubContext, organizationId: string, taskId: string): Promise<TaskRow> {
  if (!isUuid(taskId)) throw new DealNotFoundError({ what: `market task ${taskId}` });
  const found = await ctx.store.query<TaskRow>(
    `SELECT t.task_id, t.deal_id, t.deal_index, t.state, t.result_hash, t.failure_reason, t.final_deadline, t.replicas_wanted, t.attempt,
            d.requester_id, d.program_owner_id, d.pool_owner_id, d.pool_id, d.worker_stake::text
       FROM task t JOIN deal d USING (deal_id) WHERE t.task_id = $1`,
    [taskId],
  );
  const task = found.rows[0];
  if (
    task === undefined ||
    ![task.requester_id, task.program_owner_id, task.pool_owner_id].includes(organizationId)
  )
    throw new DealNotFoundError({ what: `market task ${taskId}` });
  return task;
}

/**
 * A deal task as its parties see it: state and deadline, every replica with its judgement, the settlement,
 * every ledger transfer it caused (who was paid, what was seized, and why), its receipts, and, while it
 * waits, why it is not running.
 */
export async function showMarketTask(
  ctx: HubContext,
  { organizationId, taskId }: { organizationId: string; taskId: string },
) {
  const task = await loadTask(ctx, organizationId, taskId);
  const replicas = await ctx.store.query<{
    replica_id: string;
    worker_id: string | null;
    state: string;
    result_hash: string | null;
    judgement: string | null;
    reason: string | null;
  }>(
    `SELECT r.replica_id, r.worker_id, r.state, r.result_hash, j.code AS judgement, j.reason
       FROM replica r LEFT JOIN LATERAL (SELECT code, reason FROM judgement WHERE replica_id = r.replica_id
                                          ORDER BY judgement_id DESC LIMIT 1) j ON TRUE
      WHERE r.task_id = $1 ORDER BY r.leased_at, r.replica_id LIMIT 100`,
    [taskId],
  );
  const transfers = await ctx.store.query<{
    transfer_id: string;
    code: string;
    flag: string;
    debit_account: string;
    credit_account: string;
    amount: string;
    reason: string;
    judgement_id: string | null;
    replica_id: string | null;
  }>(
    `SELECT transfer_id::text, code, flag, debit_account, credit_account, amount::text, reason, judgement_id::text, replica_id
       FROM ledger_transfer t WHERE t.task_id = $1 ORDER BY t.transfer_id LIMIT 500`,
    [taskId],
  );
  const settlement = await ctx.store.query<{ outcome: string; reason: string; created_at: Date }>(
    'SELECT outcome, reason, created_at FROM task_settlement WHERE task_id = $1',
    [taskId],
  );
  const receipts = await ctx.store.query<{ seq: string; kind: string }>(
    'SELECT r.seq::text, r.kind FROM receipt r WHERE r.task_id = $1 ORDER BY r.seq LIMIT 500',
    [taskId],
  );
  return {
    task,
    replicas: replicas.rows,
    transfers: transfers.rows,
    settlement: settlement.rows[0] ?? null,
    receipts: receipts.rows.map((row) => ({ seq: Number(row.seq), kind: row.kind })),
    waiting: task.state === 'open' ? await whyWaiting(ctx, task) : null,
  };
}

/** Why an open deal task is not finished: its pool's workers, their stakes, its deadline. */
async function whyWaiting(ctx: HubContext, task: TaskRow): Promise<string> {
  const now = ctx.clock.nowMs();
  if (task.final_deadline.getTime() <= now)
    return `its final deadline ${task.final_deadline.toISOString()} has passed: it will be claimed (or \`task claim\` it)`;
  const members = await ctx.store.query<{
    worker_id: string;
    organization_id: string | null;
    last_seen_at: Date;
  }>(
    `SELECT w.worker_id, w.organization_id, w.last_seen_at FROM pool_member m JOIN worker w USING (worker_id) WHERE m.pool_id = $1`,
    [task.pool_id],
  );
  if (members.rows.length === 0)
    return `pool ${task.pool_id} has no workers: none has joined it (\`worker start --pool ${task.pool_id}\`)`;
  const connected = members.rows.filter(
    (row) => now - row.last_seen_at.getTime() < WORKER_CONNECTED_WINDOW_MS,
  );
  if (connected.length === 0)
    return `none of the ${members.rows.length} worker(s) of pool ${task.pool_id} asked for work in the last minute`;
  const stake = Number(task.worker_stake);
  let canStake = 0;
  for (const row of connected)
    if (
      row.organization_id !== null &&
      (await balanceOf(ctx.store, organizationAccount(row.organization_id))).available >= stake
    )
      canStake++;
  if (canStake === 0)
    return `the pool's connected workers' accounts cannot stake ${formatCredits(stake)} each: they must be funded to take the task`;
  const live = await ctx.store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM replica WHERE task_id = $1 AND attempt = $2 AND state = 'leased' AND lease_expires_at > $3`,
    [task.task_id, task.attempt, new Date(now)],
  );
  const running = live.rows[0]?.n ?? 0;
  return running > 0
    ? `${running} replica(s) running; the vote wants ${task.replicas_wanted} result(s) at least`
    : `waiting for one of ${canStake} connected worker(s) able to stake to take it (each worker of an account runs one replica of a task)`;
}

/** The accepted output of a deal task, for its requester. @throws DEAL_NOT_FOUND, PROOF_NOT_FOUND */
export async function marketTaskOutput(
  ctx: HubContext,
  { organizationId, taskId }: { organizationId: string; taskId: string },
) {
  const task = await loadTask(ctx, organizationId, taskId);
  if (task.requester_id !== organizationId)
    throw new DealNotFoundError({ what: `market task ${taskId} of your requests` });
  const found = await ctx.store.query<{ output: Uint8Array | null; output_blob_hash: string | null }>(
    'SELECT a.output, a.output_blob_hash FROM task t JOIN replica a ON a.replica_id = t.accepted_replica_id WHERE t.task_id = $1',
    [taskId],
  );
  const row = found.rows[0];
  if (task.state !== 'verified' || row === undefined)
    throw new ProofNotFoundError({ inputGroupId: taskId, state: task.state, reason: task.failure_reason });
  return (
    row.output ??
    (row.output_blob_hash === null ? new Uint8Array(0) : await ctx.blobs.get(row.output_blob_hash))
  );
}
