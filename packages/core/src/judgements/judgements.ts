/**
 * Judgements of replicas: what the hub decided about one worker's (or donor's) part in a task. Each is an
 * append-only record written in the transaction of the change it causes; a worker's reputation, and later
 * its payments, are derived from them and from nothing else.
 */

export const JUDGEMENT_CODES = [
  'agreed',
  'outvoted',
  'evidence_invalid',
  'false_report',
  'lease_lapsed',
  'returned',
  'owner_rejected',
  'owner_confirmed',
  'could_not_check',
] as const;
/**
 * - `agreed`: its result is the accepted one (or its witness was proven, or its failure report held).
 * - `outvoted`: the quorum accepted another result.
 * - `evidence_invalid`: what it submitted failed the check (see {@link EVIDENCE_REASONS}).
 * - `false_report`: it reported a failure the hub disproved by running the task itself.
 * - `lease_lapsed`: its lease ran out with nothing submitted.
 * - `returned`: it gave its lease back, or was relieved of it through no fault of its own.
 * - `owner_rejected`, `owner_confirmed`: the organization's word on the result it produced.
 * - `could_not_check`: its evidence could not be checked (a verifier, storage or database fault); it
 *   changed nothing and counts for nothing.
 */
export type JudgementCode = (typeof JUDGEMENT_CODES)[number];

/** What a judgement does to a reputation. Only invalid evidence ever counts against anyone. */
export const JUDGEMENT_WEIGHT: Record<JudgementCode, 'valid' | 'invalid' | 'neutral'> = {
  agreed: 'valid',
  outvoted: 'invalid',
  evidence_invalid: 'invalid',
  false_report: 'invalid',
  lease_lapsed: 'neutral',
  returned: 'neutral',
  owner_rejected: 'neutral',
  owner_confirmed: 'neutral',
  could_not_check: 'neutral',
};

/** The judgement codes of one weight, for the queries that derive reputations. */
export function judgementCodesWeighing(weight: 'valid' | 'invalid' | 'neutral'): JudgementCode[] {
  return JUDGEMENT_CODES.filter((code) => JUDGEMENT_WEIGHT[code] === weight);
}

/** Why evidence was judged invalid: stable codes, each with its own sentence in the record. */
export const EVIDENCE_REASONS = [
  /** A task that needs a proof got a bare result. */
  'PROOF_MISSING',
  /** The proof is not a proof of this system (size, encoding). */
  'PROOF_MALFORMED',
  /** The proof's public inputs are not the task's inputs. */
  'PROOF_OTHER_INPUTS',
  /** This exact proof was accepted before. */
  'PROOF_REPLAYED',
  /** The proof does not verify against the program's key. */
  'PROOF_DOES_NOT_VERIFY',
  /** An executor's witness does not satisfy the program on the task's input. */
  'WITNESS_WRONG',
  /** The submission is not the kind this step of this task takes (a witness for a run, a report for a wasm task). */
  'WRONG_SUBMISSION',
  /** The output or log breaks the program's limits or is not encoded as the protocol says. */
  'RESULT_MALFORMED',
  /** A report that the program fails on the input, but the hub ran it to its end. */
  'FAILURE_NOT_REPRODUCED',
  /** A report that a handed-off artifact is wrong, but the hub found it right. */
  'HANDOFF_WAS_RIGHT',
] as const;
export type EvidenceReason = (typeof EVIDENCE_REASONS)[number];

/** A worker's standing, derived from its judgements. */
export type Reputation = {
  /** Valid results since its last invalid one (BOINC's consecutive valid results). */
  consecutiveValid: number;
  resultsValid: number;
  resultsInvalid: number;
  /** Leases it let run out: not held against its results, but a sign of an unreliable machine. */
  leasesLapsed: number;
};
