import { JUDGEMENT_CODES, TASK_STATES } from '@proofgrid/core';
import { type Static, Type } from '@sinclair/typebox';
import { NaiveDatetime, Nullable, OptionalTimestamp, Timestamp } from './common.ts';

/** A program as listings show it (seed 004's `StoredProgram`). */
export const ProgramSummary = Type.Object({
  organization_id: Type.String(),
  program_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  input_lock_timeout: Type.Integer({ description: 'Seconds a reservation (lease) lasts.' }),
});
export type ProgramSummary = Static<typeof ProgramSummary>;

export const ProgramPage = Type.Object({
  programs: Type.Array(ProgramSummary),
  total_elements_amount: Type.Integer(),
});

export const Organization = Type.Object({
  organization_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
});

/** An input group as listings show it: seed 004's fields, then ProofGrid's. */
export const InputGroup = Type.Object({
  input_group_id: Type.String(),
  program_id: Type.String(),
  name: Type.String(),
  last_reserved: NaiveDatetime,
  proven_datetime: NaiveDatetime,
  verified_datetime: NaiveDatetime,
  lease_expires_at: Type.Union([
    Type.String({ description: 'RFC 3339, while a lease is active.' }),
    Type.Null(),
  ]),
  value_count: Type.Integer(),
  state: Type.Union(
    TASK_STATES.map((state) => Type.Literal(state)),
    { description: "The group's task: open, proven, verified, confirmed, failed or cancelled." },
  ),
});
export type InputGroup = Static<typeof InputGroup>;

export const InputGroupPage = Type.Object({
  program_input_groups: Type.Array(InputGroup),
  total_elements_amount: Type.Integer(),
});

export const TaskState = Type.Union(TASK_STATES.map((state) => Type.Literal(state)));

/** How a program's tasks stand: what `proofgrid job watch` shows. */
export const Progress = Type.Object({
  total: Type.Integer(),
  queued: Type.Integer({ description: 'Open, with no replica running.' }),
  leased: Type.Integer({ description: 'Open, with a replica running.' }),
  proven: Type.Integer({ description: 'A result awaits your confirmation (programs the hub cannot check).' }),
  verified: Type.Integer({ description: 'Verified or confirmed.' }),
  failed: Type.Integer(),
  cancelled: Type.Integer(),
  /** True when no task can change any more without you (every task verified, failed or cancelled). */
  done: Type.Boolean(),
  workers_connected: Type.Integer({
    description: 'Workers that asked this hub for work in the last minute.',
  }),
  waiting_reason: Nullable(
    Type.String({
      description: 'Why open tasks are not running right now, with what to do; null when they are.',
    }),
  ),
});
export type Progress = Static<typeof Progress>;

/** How a finished run ended: its fuel, exit code and log are kept for every task. */
export const RunRecord = Type.Object({
  fuel_used: Nullable(Type.Number()),
  exit_code: Nullable(Type.Integer()),
  failure_code: Nullable(Type.String({ description: 'FUEL_EXHAUSTED, WASM_TRAP, … when the run failed.' })),
  log: Nullable(Type.String({ description: "The program's standard error, bounded." })),
});

export const TaskSummary = Type.Object({
  input_group_id: Type.String(),
  name: Type.String(),
  state: TaskState,
  attempt: Type.Integer(),
  replicas_running: Type.Integer(),
  replicas_submitted: Type.Integer(),
  fuel_used: Nullable(Type.Number()),
  exit_code: Nullable(Type.Integer()),
  failure_reason: Nullable(Type.String()),
  updated_at: Timestamp,
});
export type TaskSummary = Static<typeof TaskSummary>;

export const TaskPage = Type.Object({
  tasks: Type.Array(TaskSummary),
  total_elements_amount: Type.Integer(),
});

export const Judgement = Type.Object({
  code: Type.Union(JUDGEMENT_CODES.map((code) => Type.Literal(code))),
  reason_code: Nullable(Type.String()),
  reason: Type.String(),
  at: Timestamp,
});

export const ReplicaRecord = Type.Object({
  replica_id: Type.String(),
  worker_id: Nullable(Type.String({ description: 'null: an anonymous donor (seed 004 routes).' })),
  worker_name: Nullable(Type.String()),
  step: Type.Union([Type.Literal('run'), Type.Literal('execute'), Type.Literal('prove')]),
  state: Type.String({ description: 'leased, submitted, handed_off, lapsed, returned or rejected.' }),
  attempt: Type.Integer(),
  leased_at: Timestamp,
  lease_expires_at: Timestamp,
  submitted_at: OptionalTimestamp,
  result_sha256: Nullable(Type.String()),
  ...RunRecord.properties,
  judgements: Type.Array(Judgement),
});

export const TaskEventRecord = Type.Object({
  event: Type.String(),
  from_state: Nullable(TaskState),
  to_state: TaskState,
  reason: Nullable(Type.String()),
  at: Timestamp,
});

/** Everything about one task: `proofgrid task show`. */
export const TaskDetails = Type.Object({
  input_group_id: Type.String(),
  program_id: Type.String(),
  name: Type.String(),
  state: TaskState,
  attempt: Type.Integer(),
  replicas_wanted: Type.Integer(),
  created_at: Timestamp,
  decided_at: OptionalTimestamp,
  confirmed_at: OptionalTimestamp,
  result_sha256: Nullable(Type.String()),
  failure_reason: Nullable(Type.String()),
  run: Nullable(RunRecord, {
    description: 'The accepted run (or agreed failure): its fuel, exit code and log.',
  }),
  replicas: Type.Array(ReplicaRecord),
  history: Type.Array(TaskEventRecord),
  waiting_reason: Nullable(Type.String({ description: 'Why it is not running right now, with what to do.' })),
});
export type TaskDetails = Static<typeof TaskDetails>;

/** A task's verdict, in the ProofGrid-Verdict header of its result. */
export const Verdict = Type.Object({
  input_group_id: Type.String(),
  name: Type.String(),
  state: TaskState,
  result_sha256: Nullable(Type.String()),
  failure_reason: Nullable(Type.String()),
  fuel_used: Nullable(Type.Number()),
  exit_code: Nullable(Type.Integer()),
  agreeing_workers: Type.Array(Type.String()),
  outvoted_workers: Type.Array(Type.String()),
  history: Type.Array(
    Type.Object({
      worker_id: Nullable(Type.String()),
      kind: Type.String({ description: 'run, execute or prove.' }),
      state: Type.String(),
      judgement: Nullable(Type.String()),
      rejection_reason: Nullable(Type.String()),
    }),
  ),
});
export type Verdict = Static<typeof Verdict>;

export const Reputation = Type.Object({
  consecutive_valid: Type.Integer(),
  results_valid: Type.Integer(),
  results_invalid: Type.Integer(),
  leases_lapsed: Type.Integer(),
});

export const Worker = Type.Object({
  worker_id: Type.String(),
  name: Type.String(),
  organization_id: Nullable(Type.String()),
  registered_at: Timestamp,
  last_seen_at: Timestamp,
  reputation: Reputation,
});
export type Worker = Static<typeof Worker>;

export const LeaseStep = Type.Union([Type.Literal('run'), Type.Literal('execute'), Type.Literal('prove')], {
  description:
    'run: run (and prove) the task; execute: run it and hand off the witness; prove: prove the handoff.',
});

/** A replica leased to a worker: everything it needs to run the task, and until when it may. */
export const ReplicaLease = Type.Object({
  replica_id: Type.String(),
  program_id: Type.String(),
  input_group_id: Type.String(),
  organization_id: Type.String(),
  program_sha256: Type.String({
    description: 'SHA-256 of the archive (GET /program/{program_id}), for caching.',
  }),
  runtime: Type.String({ description: 'wasm or noir.' }),
  step: LeaseStep,
  seed: Type.String({ description: "Seeds the task's randomness: every replica of a task gets the same." }),
  limits: Type.Object({
    fuel: Type.Number(),
    memory_pages: Type.Integer(),
    output_bytes: Type.Integer(),
  }),
  lease_expires_at: Timestamp,
  input: Type.Array(Type.String(), { description: 'The input values, in order, base64.' }),
  handoff: Nullable(Type.String({ description: "The previous step's artifact (a witness), base64." })),
});
export type ReplicaLease = Static<typeof ReplicaLease>;

/** The seed reservation's lease (`lease.json`). */
export const SeedLease = Type.Object({
  lease_id: Type.String(),
  organization_id: Type.String(),
  program_id: Type.String(),
  input_group_id: Type.String(),
  expires_at: Timestamp,
  input_lock_timeout: Type.Integer(),
});
export type SeedLease = Static<typeof SeedLease>;
