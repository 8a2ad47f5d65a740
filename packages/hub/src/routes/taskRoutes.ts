import { routes } from '@proofgrid/api';
import { encodeBase64 } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';
import { iso } from '../http/wire.ts';
import { toPage } from '../store/paging.ts';
import { taskEvidence, taskResult } from '../tasks/acceptedResult.ts';
import { cancelJob } from '../tasks/cancelJob.ts';
import { listTasks } from '../tasks/listTasks.ts';
import { programProgress } from '../tasks/programProgress.ts';
import { retryTask } from '../tasks/retryTask.ts';
import { type RunRecord, showTask } from '../tasks/showTask.ts';

const run = (record: RunRecord) => ({
  fuel_used: record.fuelUsed,
  exit_code: record.exitCode,
  failure_code: record.failureCode,
  log: record.log,
});

/** The organization's view of its tasks: progress, each task's story, results, cancel and retry. */
export function taskRoutes(ctx: HubContext): RouteEntry[] {
  return [
    handle(routes.programProgress, async ({ params, organizationId }) => {
      const progress = await programProgress(ctx, { organizationId, programId: params.program_id });
      return {
        total: progress.total,
        queued: progress.queued,
        leased: progress.leased,
        proven: progress.proven,
        verified: progress.verified,
        failed: progress.failed,
        cancelled: progress.cancelled,
        done: progress.done,
        workers_connected: progress.workersConnected,
        waiting_reason: progress.waitingReason,
      };
    }),
    handle(routes.listTasks, async ({ params, query, organizationId }) => {
      const { tasks, total } = await listTasks(ctx, {
        organizationId,
        programId: params.program_id,
        state: query.state,
        page: toPage(query),
      });
      return {
        tasks: tasks.map((task) => ({
          input_group_id: task.taskId,
          name: task.name,
          state: task.state,
          attempt: task.attempt,
          replicas_running: task.replicasRunning,
          replicas_submitted: task.replicasSubmitted,
          fuel_used: task.fuelUsed,
          exit_code: task.exitCode,
          failure_reason: task.failureReason,
          updated_at: iso(task.updatedAt),
        })),
        total_elements_amount: total,
      };
    }),
    handle(routes.showTask, async ({ params, organizationId }) => {
      const task = await showTask(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
      });
      return {
        input_group_id: task.taskId,
        program_id: task.programId,
        name: task.name,
        state: task.state,
        attempt: task.attempt,
        replicas_wanted: task.replicasWanted,
        created_at: iso(task.createdAt),
        decided_at: iso(task.decidedAt),
        confirmed_at: iso(task.confirmedAt),
        result_sha256: task.resultHash,
        failure_reason: task.failureReason,
        run: task.run === null ? null : run(task.run),
        replicas: task.replicas.map((replica) => ({
          replica_id: replica.replicaId,
          worker_id: replica.workerId,
          worker_name: replica.workerName,
          step: replica.step,
          state: replica.state,
          attempt: replica.attempt,
          leased_at: iso(replica.leasedAt),
          lease_expires_at: iso(replica.leaseExpiresAt),
          submitted_at: iso(replica.submittedAt),
          result_sha256: replica.resultHash,
          ...run(replica),
          judgements: replica.judgements.map((judgement) => ({
            code: judgement.code,
            reason_code: judgement.reasonCode,
            reason: judgement.reason,
            at: iso(judgement.at),
          })),
        })),
        history: task.history.map((event) => ({
          event: event.event,
          from_state: event.fromState,
          to_state: event.toState,
          reason: event.reason,
          at: iso(event.at),
        })),
        waiting_reason: task.waitingReason,
      };
    }),
    handle(routes.cancelJob, async ({ params, organizationId }) =>
      cancelJob(ctx, { organizationId, programId: params.program_id }),
    ),
    handle(routes.retryTask, async ({ params, organizationId }) =>
      retryTask(ctx, { organizationId, programId: params.program_id, inputGroupId: params.input_group_id }),
    ),
    handle(routes.taskResult, async ({ params, organizationId }) => {
      const { output, verdict } = await taskResult(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
      });
      return {
        bytes: output,
        headers: {
          'proofgrid-verdict': {
            input_group_id: verdict.taskId,
            name: verdict.name,
            state: verdict.state,
            result_sha256: verdict.resultHash,
            failure_reason: verdict.failureReason,
            fuel_used: verdict.fuelUsed,
            exit_code: verdict.exitCode,
            agreeing_workers: verdict.agreeingWorkers,
            outvoted_workers: verdict.outvotedWorkers,
            history: verdict.history.map((entry) => ({
              worker_id: entry.workerId,
              kind: entry.step,
              state: entry.state,
              judgement: entry.judgement,
              rejection_reason: entry.rejectionReason,
            })),
          },
        },
      };
    }),
    handle(routes.taskProof, async ({ params, organizationId }) => {
      const evidence = await taskEvidence(ctx, {
        organizationId,
        programId: params.program_id,
        inputGroupId: params.input_group_id,
      });
      return {
        name: evidence.name,
        proof: encodeBase64(evidence.proof),
        public_inputs: evidence.publicInputs,
        output: evidence.output,
        verification_key: encodeBase64(evidence.verificationKey),
      };
    }),
  ];
}
