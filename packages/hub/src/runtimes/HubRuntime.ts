import type { EvidenceReason, Manifest, TarEntry, VerificationPolicy } from '@proofgrid/core';

/**
 * One runtime (opaque seed programs, wasm, noir, later train) as the hub sees it: everything that differs
 * between program kinds lives behind this interface, so the scheduler, the donor routes and the HTTP
 * layer name no runtime. Adding a runtime is a folder under `runtimes/` and one line in `RuntimeRegistry`.
 */
export interface HubRuntime {
  readonly name: string;
  /**
   * The steps of its tasks: `direct` runs a task whole (and proves it); `handoff` runs it and hands an
   * artifact (a witness) to a `followUp` step another worker does. Null where the runtime has none; a
   * runtime without any is not leased to workers (seed 004's donors reserve its tasks).
   */
  readonly steps: { direct: Step | null; handoff: Step | null; followUp: Step | null };
  /**
   * Whether anonymous donors may reserve its tasks through seed 004's reservation routes. The file a donor
   * uploads is then the task's result and its proof at once.
   */
  readonly donorReservations: boolean;
  /** Whether a result needs no lease because it proves itself (a zero-knowledge proof of the task). */
  readonly anonymousResults: boolean;
  /** Whether this runtime takes the archive (by its manifest's runtime, or files only it knows). */
  claims(archive: ProgramArchive): boolean;
  /** Checks an upload and computes what running and checking its tasks needs. */
  validateUpload(archive: ProgramArchive): Promise<ValidatedProgram>;
  /** One input group's values from its uploaded file, checked against the program. */
  parseInputs(program: ProgramFact, file: Uint8Array): Promise<Uint8Array[]>;
  /** Checks a submission for a replica of one of its tasks. */
  check(context: CheckContext, submission: Submission): Promise<SubmissionCheck>;
  /** What an organization needs to check an accepted result itself, when the runtime has such evidence. */
  exportEvidence?(program: ProgramFact, evidence: AcceptedEvidence): Promise<ExportedEvidence>;
  close?(): Promise<void>;
}

export type Step = 'run' | 'execute' | 'prove';

/** A program archive's files, and its manifest when it has one. */
export type ProgramArchive = { files: TarEntry[]; manifest: Manifest | null };

/** What the hub keeps of a program for its runtime. */
export type ValidatedProgram = {
  manifest: Manifest | null;
  policy: VerificationPolicy;
  limits: ProgramLimits;
  /** What the runtime computed on upload (a circuit and its key), as JSON. */
  artifact: unknown;
};

export type ProgramLimits = { fuel: number; memoryPages: number; outputBytes: number };

/** A program's facts, which never change after upload. */
export type ProgramFact = {
  programId: string;
  organizationId: string;
  runtime: string;
  policy: VerificationPolicy;
  limits: ProgramLimits;
  /** Seconds a lease lasts (seed 004's `input_lock_timeout`). */
  leaseSeconds: number;
  /** SHA-256 of the archive, the blob that holds it. */
  blobHash: string;
  artifact: unknown;
};

/** A submission as the worker (or donor) sent it, decoded from the wire but not yet judged. */
export type Submission =
  /** A run's output, or its deterministic failure. */
  | {
      kind: 'output';
      output: string;
      fuelUsed: number;
      exitCode: number;
      log: string;
      failure: { code: string; message: string } | null;
    }
  /** A zero-knowledge proof with its public inputs. */
  | { kind: 'proof'; proof: string; publicInputs: string[] }
  /** An artifact for the follow-up step (a witness), base64. */
  | { kind: 'handoff'; artifact: string }
  /** The follow-up step's report that its handed-off artifact is wrong. */
  | { kind: 'bad_handoff' }
  /** A report that the program fails on the task's input, so there is nothing to prove. */
  | { kind: 'execution_failure' }
  /** A file through seed 004's `POST /program/proof`. */
  | { kind: 'donor_file'; bytes: Uint8Array };

/** What a check may look at: the task's program, its inputs, and the replica submitted for. */
export type CheckContext = {
  program: ProgramFact;
  step: Step;
  inputValues: () => Promise<Uint8Array[]>;
  /** The artifact handed to this follow-up step; null for other steps. */
  handoff: () => Promise<Uint8Array | null>;
  /** The task an identical piece of evidence was accepted for, if one was. */
  acceptedBefore: (evidenceSha256: string) => Promise<string | null>;
};

/** A result ready for the verification policy's vote. */
export type CheckedResult = {
  /** Equal for equal results: replicas agree when their hashes are equal. */
  resultHash: string;
  /** What the organization receives for it. */
  output: Uint8Array;
  fuelUsed: number | null;
  exitCode: number | null;
  log: string | null;
  /** A run that failed the same way on every machine: if the vote accepts it, the task fails with it. */
  failure: { code: string; message: string } | null;
  /**
   * The proof that makes it checkable, kept with it. With `sha256`, the same evidence is accepted once
   * only (a replay proves nothing new); without, its organization judges it.
   */
  evidence: { bytes: Uint8Array; sha256: string | null; publicInputs: string[] | null } | null;
};

export type SubmissionCheck =
  | { kind: 'result'; result: CheckedResult }
  /** Its artifact is kept for the follow-up step; the task waits for it. */
  | { kind: 'handoff'; artifact: Uint8Array }
  /**
   * The evidence is wrong. `blame` says whose: the submitter's, or (a follow-up step's report upheld) the
   * replica that handed the artifact over, in which case the submitter is relieved of its lease blamelessly.
   */
  | {
      kind: 'invalid';
      judgement: 'evidence_invalid' | 'false_report';
      reason: EvidenceReason;
      message: string;
      blame: 'submitter' | 'handoff';
      errorCode: 'PROOF_REJECTED' | 'SUBMISSION_REJECTED';
    };

/** An accepted result's stored evidence, for `exportEvidence`. */
export type AcceptedEvidence = { proof: Uint8Array; publicInputs: string[]; output: Uint8Array };

export type ExportedEvidence = {
  proof: Uint8Array;
  publicInputs: string[];
  output: unknown;
  verificationKey: Uint8Array;
};
