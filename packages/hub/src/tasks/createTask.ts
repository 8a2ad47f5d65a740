import type { ProgramFact } from '../runtimes/HubRuntime.ts';
import type { Queryable } from '../store/Store.ts';
import { initialReplicas } from './initialReplicas.ts';

/** Opens the task of a new input group, in the transaction that stores the group, and records it. */
export async function createTask(
  tx: Queryable,
  { program, taskId, now }: { program: ProgramFact; taskId: string; now: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO task (task_id, program_id, runtime, state, attempt, replicas_wanted, memory_pages, fuel, created_at, updated_at)
     VALUES ($1, $2, $3, 'open', 1, $4, $5, $6, $7, $7)`,
    [
      taskId,
      program.programId,
      program.runtime,
      initialReplicas(program.policy),
      program.limits.memoryPages,
      program.limits.fuel,
      now,
    ],
  );
  await tx.query(
    `INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
     VALUES ($1, $2, 1, 'created', NULL, 'open', NULL, $3)`,
    [taskId, program.programId, now],
  );
}
