import { isUuid } from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import { InputGroupNotFoundError, ProofNotFoundError } from '../errors.ts';
import { requireOwnProgram } from './programs.ts';

/** How a program's tasks stand: the numbers `proofgrid job watch` shows. */
export type Progress = { total: number; queued: number; leased: number; verified: number; failed: number };

/** Counts a program's tasks by state (a task with a live replica lease counts as leased). @throws PROGRAM_NOT_FOUND */
export async function programProgress(
  deps: HubDeps,
  { organizationId, programId }: { organizationId: string; programId: string },
): Promise<Progress> {
  await requireOwnProgram(deps.store, { organizationId, programId });
  const result = await deps.store.query<Progress>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE task_state = 'open' AND NOT leased)::int AS queued,
            count(*) FILTER (WHERE task_state = 'open' AND leased)::int AS leased,
            count(*) FILTER (WHERE task_state = 'verified')::int AS verified,
            count(*) FILTER (WHERE task_state = 'failed')::int AS failed
       FROM (SELECT g.task_state, EXISTS (SELECT 1 FROM replica r WHERE r.input_group_id = g.input_group_id
                                            AND r.state = 'leased' AND r.lease_expires_at > $2) AS leased
               FROM input_group g WHERE g.program_id = $1) AS tasks`,
    [programId, new Date(deps.clock.nowMs())],
  );
  return result.rows[0] ?? { total: 0, queued: 0, leased: 0, verified: 0, failed: 0 };
}

/**
 * The verified output of a task, with its verdict: which workers agreed, which were outvoted, the fuel.
 * @throws PROGRAM_NOT_FOUND, INPUT_GROUP_NOT_FOUND, PROOF_NOT_FOUND (not verified yet)
 */
export async function verifiedResult(
  deps: HubDeps,
  {
    organizationId,
    programId,
    inputGroupId,
  }: { organizationId: string; programId: string; inputGroupId: string },
): Promise<{
  output: Uint8Array;
  verdict: {
    input_group_id: string;
    name: string;
    state: string;
    result_sha256: string | null;
    failure_reason: string | null;
    fuel_used: number | null;
    agreeing_workers: string[];
    outvoted_workers: string[];
    /** Every replica of the task: who ran, executed or proved it, and how that ended. */
    history: {
      worker_id: string;
      kind: string;
      state: string;
      judgement: string | null;
      rejection_reason: string | null;
    }[];
  };
}> {
  await requireOwnProgram(deps.store, { organizationId, programId });
  if (!isUuid(inputGroupId)) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const group = await deps.store.query<{
    name: string;
    task_state: string;
    accepted_result_hash: string | null;
    failure_reason: string | null;
  }>(
    'SELECT name, task_state, accepted_result_hash, failure_reason FROM input_group WHERE input_group_id = $1 AND program_id = $2',
    [inputGroupId, programId],
  );
  const row = group.rows[0];
  if (row === undefined) throw new InputGroupNotFoundError({ inputGroupId, programId });
  const replicas = await deps.store.query<{
    worker_id: string;
    judgement: string | null;
    output_blob_hash: string | null;
    fuel_used: string | null;
  }>(
    `SELECT worker_id, judgement, output_blob_hash, fuel_used::text AS fuel_used FROM replica
      WHERE input_group_id = $1 AND state = 'submitted' ORDER BY submitted_at`,
    [inputGroupId],
  );
  const history = await deps.store.query<{
    worker_id: string;
    kind: string;
    state: string;
    judgement: string | null;
    rejection_reason: string | null;
  }>(
    `SELECT worker_id, kind, state, judgement, rejection_reason FROM replica
      WHERE input_group_id = $1 AND state <> 'leased' ORDER BY submitted_at`,
    [inputGroupId],
  );
  const agreed = replicas.rows.filter((r) => r.judgement === 'agreed');
  const first = agreed[0];
  if (row.task_state !== 'verified' || first?.output_blob_hash == null)
    throw new ProofNotFoundError({ inputGroupId });
  return {
    output: await deps.blobs.get(first.output_blob_hash),
    verdict: {
      input_group_id: inputGroupId,
      name: row.name,
      state: row.task_state,
      result_sha256: row.accepted_result_hash,
      failure_reason: row.failure_reason,
      fuel_used: first.fuel_used === null ? null : Number(first.fuel_used),
      agreeing_workers: agreed.map((r) => r.worker_id),
      outvoted_workers: replicas.rows.filter((r) => r.judgement === 'outvoted').map((r) => r.worker_id),
      history: history.rows,
    },
  };
}
