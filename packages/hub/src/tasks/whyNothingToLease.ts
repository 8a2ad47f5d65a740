import { assert } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import type { WorkerOffer } from './leaseReplicas.ts';
import { HOLDS_PLACE_SQL } from './leaseReplicas.ts';

/**
 * Why a worker gets no task: the answer to "why is nothing scheduled?", counting the open tasks by what
 * keeps each from this worker, with what to do about the ones only another worker can take.
 */
export async function whyNothingToLease(
  ctx: HubContext,
  { worker, offer, fuel, now }: { worker: AuthenticatedWorker; offer: WorkerOffer; fuel: number; now: Date },
): Promise<string> {
  const steps = ctx.runtimes.stepsFor(offer);
  const offered = [...new Set([...steps.first.keys(), ...steps.followUp.keys()])];
  if (offered.length === 0)
    return `this worker offers no runtime and step this hub leases (it offers ${offer.runtimes.join(', ') || 'none'} as ${offer.role}; this hub runs ${ctx.runtimes.names.join(', ')})`;
  const counts = await ctx.store.query<{
    open: number;
    other_runtime: number;
    too_big: number;
    too_long: number;
    ran_here: number;
    other_step: number;
  }>(
    `SELECT count(*)::int AS open,
            count(*) FILTER (WHERE NOT t.runtime = ANY($4::text[]))::int AS other_runtime,
            count(*) FILTER (WHERE t.memory_pages > $5)::int AS too_big,
            count(*) FILTER (WHERE t.fuel > $6)::int AS too_long,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM replica r LEFT JOIN worker w ON w.worker_id = r.worker_id
                                            WHERE r.task_id = t.task_id AND r.attempt = t.attempt
                                              AND (r.worker_id = $1 OR ($2::uuid IS NOT NULL AND w.organization_id = $2))
                                              AND ${HOLDS_PLACE_SQL.replaceAll('$now', '$3')}))::int AS ran_here,
            count(*) FILTER (WHERE t.runtime = ANY($4::text[]) AND
                                   CASE WHEN EXISTS (SELECT 1 FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt AND r.state = 'handed_off')
                                        THEN NOT t.runtime = ANY($8::text[]) ELSE NOT t.runtime = ANY($7::text[]) END)::int AS other_step
       FROM task t WHERE t.state = 'open' AND t.runtime = ANY($9::text[])`,
    [
      worker.workerId,
      worker.organizationId,
      now,
      offered,
      offer.memoryPagesMax,
      fuel,
      [...steps.first.keys()],
      [...steps.followUp.keys()],
      workerRuntimes(ctx),
    ],
  );
  const row = counts.rows[0];
  assert(row !== undefined, 'an aggregate returns one row');
  if (row.open === 0)
    return 'no open task: every task is verified, failed, cancelled or awaiting its organization';
  const parts = [
    [row.other_runtime, `in a runtime this worker does not offer (it offers ${offer.runtimes.join(', ')})`],
    [row.other_step, `waiting for a step this worker's role (${offer.role}) does not do`],
    [row.too_big, `need more memory than the ${offer.memoryPagesMax} pages offered`],
    [row.too_long, `need more fuel than the ${fuel} this worker can burn in its time`],
    [row.ran_here, 'already have a replica from this worker or its account'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, why]) => `${count} ${why}`);
  const fix =
    row.ran_here > 0
      ? '. A task needs results from distinct workers of distinct accounts: start a worker with another identity (another data directory) or on another machine'
      : '';
  return `${row.open} open task(s)${parts.length > 0 ? `: ${parts.join(', ')}` : ''}; the rest have all the replicas they need right now${fix}`;
}

/** Runtimes whose tasks workers take (seed 004's programs are reserved by donors instead). */
function workerRuntimes(ctx: HubContext): string[] {
  return ctx.runtimes.names.filter((name) => {
    const { direct, handoff, followUp } = ctx.runtimes.get(name).steps;
    return direct !== null || handoff !== null || followUp !== null;
  });
}
