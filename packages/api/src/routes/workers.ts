import {
  LOG_SIZE_BYTES_MAX,
  MEMORY_PAGES_MAX,
  NAME_LENGTH_MAX,
  OUTPUT_SIZE_BYTES_MAX,
  PUBLIC_INPUTS_MAX,
  REPLICAS_PER_LEASE_MAX,
  SUBMISSIONS_BODY_BYTES_MAX,
  WITNESS_SIZE_BYTES_MAX,
  ZK_PROOF_SIZE_BYTES_MAX,
} from '@proofgrid/core';
import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';
import { Nullable, ReplicaParams } from '../schemas/common.ts';
import { ReplicaLease, Worker } from '../schemas/entities.ts';

/** The worker protocol: donors' machines register their key, then sign every request with it. */

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;
/** JSON writes a control character or a lone surrogate of a string as `\uXXXX`: six bytes for one. */
const JSON_BYTES_PER_CHAR_MAX = 6;
const Verdict = Type.Union([
  Type.Literal('accept'),
  Type.Literal('wait'),
  Type.Literal('add_replica'),
  Type.Literal('fail'),
]);
const SubmissionReply = { kind: 'json', data: Type.Object({ verdict: Verdict }) } as const;

export const registerWorker = defineRoute({
  id: 'registerWorker',
  method: 'POST',
  path: '/worker/register',
  auth: 'organization_optional',
  tags: ['worker'],
  summary: "Register a worker's Ed25519 key (optionally linked to the account of the `token` header)",
  description:
    'The signature (domain proofgrid.worker.register.v1) covers {public_key, name, timestamp_ms}; registering a key again returns the same worker_id.',
  body: Type.Object({
    public_key: Type.String({ maxLength: 64, description: 'Ed25519 public key, 32 bytes, base64.' }),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
    timestamp_ms: Type.Integer({ minimum: 0 }),
    signature: Type.String({ maxLength: 128, description: 'Ed25519 signature, 64 bytes, base64.' }),
  }),
  reply: {
    kind: 'json',
    data: Type.Object({ worker_id: Type.String(), organization_id: Nullable(Type.String()) }),
  },
});

export const workerMe = defineRoute({
  id: 'workerMe',
  method: 'GET',
  path: '/worker/me',
  auth: 'worker',
  tags: ['worker'],
  summary:
    'The signing worker: its link, its reputation (derived from its judgements), when it was last seen',
  reply: { kind: 'json', data: Worker },
});

export const leaseReplicas = defineRoute({
  id: 'leaseReplicas',
  method: 'POST',
  path: '/worker/lease',
  auth: 'worker',
  tags: ['worker'],
  summary: 'Lease replicas of open tasks this worker can run, or learn why there are none',
  body: Type.Object({
    memory_pages_max: Type.Integer({ minimum: 1, maximum: MEMORY_PAGES_MAX }),
    fuel_per_second: Type.Integer({ minimum: 1, maximum: 1e12 }),
    seconds_available: Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600 }),
    runtimes: Type.Optional(
      Type.Array(Type.String({ maxLength: 32 }), {
        minItems: 1,
        maxItems: 8,
        uniqueItems: true,
        default: ['wasm'],
        description: 'Runtimes this worker runs (workers from before other runtimes ran wasm alone).',
      }),
    ),
    role: Type.Optional(
      Type.Union([Type.Literal('full'), Type.Literal('execute'), Type.Literal('prove')], {
        default: 'full',
        description:
          'Steps of multi-step runtimes (Noir) this worker does: run and prove tasks whole and prove others’ handoffs (full), execute and hand off the witness (execute), or prove handoffs only (prove).',
      }),
    ),
    replicas_max: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: REPLICAS_PER_LEASE_MAX,
        description: 'Leases to take at once (default 1): tiny tasks go faster in batches.',
      }),
    ),
  }),
  reply: {
    kind: 'json',
    data: Type.Object({
      lease: Nullable(ReplicaLease, { description: 'The first of `leases`, or null.' }),
      leases: Type.Array(ReplicaLease),
      reason: Nullable(Type.String({ description: 'Why fewer leases than asked for were given.' })),
    }),
  },
});

const OutputSubmission = Type.Object({
  output: Type.String({
    maxLength: base64Length(OUTPUT_SIZE_BYTES_MAX),
    description: 'The output bytes, base64.',
  }),
  fuel_used: Type.Integer({ minimum: 0 }),
  exit_code: Type.Integer({ minimum: 0, maximum: 255 }),
  log: Type.String({ maxLength: LOG_SIZE_BYTES_MAX }),
  failure: Type.Optional(
    Nullable(
      Type.Object({
        code: Type.String({ maxLength: 64, description: 'FUEL_EXHAUSTED, MEMORY_EXHAUSTED, WASM_TRAP, …' }),
        message: Type.String({ maxLength: 1024 }),
      }),
      { description: 'Set when the run failed deterministically; replicas must agree on it too.' },
    ),
  ),
});

export const submitOutput = defineRoute({
  id: 'submitOutput',
  method: 'POST',
  path: '/worker/replicas/:replica_id/submit',
  auth: 'worker',
  tags: ['worker'],
  summary: "Submit a replica's run: its output, fuel, exit code and log, or its deterministic failure",
  params: ReplicaParams,
  body: OutputSubmission,
  bodySizeBytesMax: base64Length(OUTPUT_SIZE_BYTES_MAX) + JSON_BYTES_PER_CHAR_MAX * LOG_SIZE_BYTES_MAX + 4096,
  reply: SubmissionReply,
});

export const submitOutputs = defineRoute({
  id: 'submitOutputs',
  method: 'POST',
  path: '/worker/submissions',
  auth: 'worker',
  tags: ['worker'],
  summary: 'Submit several runs at once (tiny tasks go faster in batches); each is judged on its own',
  description: `At most ${REPLICAS_PER_LEASE_MAX} runs and ${SUBMISSIONS_BODY_BYTES_MAX} bytes of JSON; a larger output goes through /worker/replicas/{replica_id}/submit.`,
  body: Type.Object({
    runs: Type.Array(
      Type.Object({ replica_id: Type.String({ maxLength: 64 }), ...OutputSubmission.properties }),
      {
        minItems: 1,
        maxItems: REPLICAS_PER_LEASE_MAX,
      },
    ),
  }),
  bodySizeBytesMax: SUBMISSIONS_BODY_BYTES_MAX,
  reply: {
    kind: 'json',
    data: Type.Object({
      results: Type.Array(
        Type.Object({
          replica_id: Type.String(),
          verdict: Nullable(Verdict),
          error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
        }),
      ),
    }),
  },
});

export const submitWitness = defineRoute({
  id: 'submitWitness',
  method: 'POST',
  path: '/worker/replicas/:replica_id/witness',
  auth: 'worker',
  tags: ['worker'],
  summary: "Hand off a Noir task's witness (execute-only workers): another worker proves it",
  params: ReplicaParams,
  body: Type.Object({
    witness: Type.String({
      maxLength: base64Length(WITNESS_SIZE_BYTES_MAX),
      description: 'The gzipped witness noir_js returns, base64.',
    }),
  }),
  bodySizeBytesMax: base64Length(WITNESS_SIZE_BYTES_MAX) + 4096,
  reply: SubmissionReply,
});

export const reportBadWitness = defineRoute({
  id: 'reportBadWitness',
  method: 'POST',
  path: '/worker/replicas/:replica_id/bad-witness',
  auth: 'worker',
  tags: ['worker'],
  summary:
    'Report that the handed-off witness cannot be proven: the hub executes the task and blames whoever was wrong',
  params: ReplicaParams,
  reply: SubmissionReply,
});

export const reportExecutionFailure = defineRoute({
  id: 'reportExecutionFailure',
  method: 'POST',
  path: '/worker/replicas/:replica_id/execution-failure',
  auth: 'worker',
  tags: ['worker'],
  summary:
    'Report that a Noir task fails to execute (an assertion): the hub runs it too and, if it fails, fails the task',
  params: ReplicaParams,
  reply: SubmissionReply,
});

export const submitProof = defineRoute({
  id: 'submitProof',
  method: 'POST',
  path: '/worker/replicas/:replica_id/proof',
  auth: 'worker',
  tags: ['worker'],
  summary:
    "Submit a Noir task's proof: accepted only if it verifies against the program's key with exactly the task's inputs",
  params: ReplicaParams,
  body: Type.Object({
    proof: Type.String({
      maxLength: base64Length(ZK_PROOF_SIZE_BYTES_MAX),
      description: 'The proof bytes, base64.',
    }),
    public_inputs: Type.Array(Type.String({ maxLength: 80 }), {
      maxItems: PUBLIC_INPUTS_MAX,
      description:
        'The public inputs as bb.js gives them (0x + 64 hex digits): the parameters, then the return value.',
    }),
  }),
  bodySizeBytesMax: base64Length(ZK_PROOF_SIZE_BYTES_MAX) + PUBLIC_INPUTS_MAX * 90 + 4096,
  reply: SubmissionReply,
});

export const heartbeat = defineRoute({
  id: 'heartbeat',
  method: 'POST',
  path: '/worker/replicas/:replica_id/heartbeat',
  auth: 'worker',
  tags: ['worker'],
  summary:
    "Keep a lease alive: extends it by the program's lease length; refused once the task needs it no more",
  params: ReplicaParams,
  reply: { kind: 'json', data: Type.Object({ lease_expires_at: Type.String() }) },
});

export const returnLease = defineRoute({
  id: 'returnLease',
  method: 'POST',
  path: '/worker/replicas/:replica_id/return',
  auth: 'worker',
  tags: ['worker'],
  summary: 'Give a leased replica back (the worker stops): its task can be leased again at once',
  params: ReplicaParams,
  reply: { kind: 'json', data: Type.Null() },
});
