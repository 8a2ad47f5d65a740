import { parseTrainingSpec } from '@proofgrid/core';
import { JOB_REWARD_PER_STAGE_MIN, JOB_SPEC_CHARS_MAX, JOB_STAGES_MAX, MINIMUM_FEE } from './constants.ts';
import { hashOf } from './hashing.ts';
import { signedBy, signedHex } from './signatures.ts';

/** A signed transfer: `from` is the sender's Ed25519 public key (hex), which is its address. */
export type Transfer = {
  from: string;
  to: string;
  /** Micro-coins moved, above 0. */
  amount: number;
  /** Micro-coins to the block's wrapper. */
  fee: number;
  /** The sender's next nonce: its previous one plus 1, so a transaction counts once. */
  nonce: number;
  /** Hex Ed25519 signature of the rest, in TRANSACTION_DOMAIN. */
  signature: string;
};

/**
 * A commitment: a label and a 32-byte hash recorded on chain at the block's time (what the hub anchors its
 * receipts and ledger with). It moves no coins but its fee.
 */
export type Commitment = {
  kind: 'commitment';
  from: string;
  label: string;
  hash: string;
  fee: number;
  nonce: number;
  signature: string;
};

/**
 * A training job put on chain: its spec (the JSON of a TrainingSpec) and a reward, escrowed from the
 * submitter and paid stage by stage to the authors of the blocks that train it. Its id is its hash.
 */
export type JobSubmission = {
  kind: 'train-job';
  from: string;
  spec: string;
  reward: number;
  fee: number;
  nonce: number;
  signature: string;
};

export type Transaction = Transfer | Commitment | JobSubmission;
export type UnsignedTransaction =
  | Omit<Transfer, 'signature'>
  | Omit<Commitment, 'signature'>
  | Omit<JobSubmission, 'signature'>;

const TRANSACTION_DOMAIN = 'proofgrid.pot.transaction.v1';
const ADDRESS = /^[0-9a-f]{64}$/;
const LABEL = /^[a-z0-9][a-z0-9._:/-]{0,63}$/;

/** Signs a transaction with the sender's secret key (its public key must be `from`). */
export function signTransaction<T extends UnsignedTransaction>(
  body: T,
  secretKey: Uint8Array,
): T & { signature: string } {
  return {
    ...body,
    signature: signedHex(body, { domain: TRANSACTION_DOMAIN, secretKey }),
  };
}

/** A transaction's hash: its id, signature included (two signatures of one body are one transfer twice). */
export function transactionHash(transaction: Transaction): string {
  return hashOf(transaction);
}

/** What a transaction costs its sender in micro-coins: what it moves or escrows, and its fee. */
export function transactionCost(transaction: Transaction): number {
  if (!('kind' in transaction)) return transaction.amount + transaction.fee;
  if (transaction.kind === 'train-job') return transaction.reward + transaction.fee;
  return transaction.fee;
}

/** The stages a job submission asks for (its spec parsed), or why it cannot be a job. */
export function jobSpecOf(spec: string): { ok: true; stages: number } | { ok: false; reason: string } {
  if (spec.length > JOB_SPEC_CHARS_MAX)
    return { ok: false, reason: `its spec is longer than ${JOB_SPEC_CHARS_MAX} characters` };
  let parsed: ReturnType<typeof parseTrainingSpec>;
  try {
    parsed = parseTrainingSpec(JSON.parse(spec));
  } catch (error) {
    return { ok: false, reason: `its spec is not a training spec: ${(error as Error).message}` };
  }
  if (parsed.stages > JOB_STAGES_MAX)
    return { ok: false, reason: `it asks for ${parsed.stages} stages, at most ${JOB_STAGES_MAX} are taken` };
  return { ok: true, stages: parsed.stages };
}

/** Why a transaction is malformed or not signed by its sender; null when it is well formed and signed. */
export function transactionFault(transaction: Transaction): string | null {
  const { signature, ...body } = transaction;
  if (!ADDRESS.test(body.from)) return 'the sender is not 64 lowercase hex characters';
  if (!('kind' in body)) {
    if (!ADDRESS.test(body.to)) return 'an address is not 64 lowercase hex characters';
    if (!Number.isSafeInteger(body.amount) || body.amount <= 0)
      return 'the amount is not a whole number above 0';
  } else if (body.kind === 'commitment') {
    if (!LABEL.test(body.label)) return 'the label is not 1 to 64 lowercase letters, digits or . _ : / -';
    if (!ADDRESS.test(body.hash)) return 'the committed hash is not 64 lowercase hex characters';
  } else if (body.kind === 'train-job') {
    const job = jobSpecOf(body.spec);
    if (!job.ok) return job.reason;
    const least = job.stages * JOB_REWARD_PER_STAGE_MIN;
    if (!Number.isSafeInteger(body.reward) || body.reward < least)
      return `the reward is below ${least} micro-coins (${JOB_REWARD_PER_STAGE_MIN} a stage)`;
  } else return 'its kind is unknown';
  if (!Number.isSafeInteger(body.fee) || body.fee < 0) return 'the fee is not a whole number of at least 0';
  if ('kind' in body && body.fee < MINIMUM_FEE)
    return `the fee is below ${MINIMUM_FEE} micro-coins, the least a commitment or a job pays`;
  if (!Number.isSafeInteger(body.nonce) || body.nonce < 1) return 'the nonce is not a whole number above 0';
  if (!Number.isSafeInteger(transactionCost(transaction))) return 'its cost is not a safe whole number';
  if (!/^[0-9a-f]{128}$/.test(signature)) return 'the signature is not 64 bytes of hex';
  return signedBy(body.from, TRANSACTION_DOMAIN, body, signature)
    ? null
    : 'the signature is not the sender’s';
}
