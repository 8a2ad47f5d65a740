import { hashOf } from './hashing.ts';
import { signedBy, signedHex } from './signatures.ts';

/** A signed transfer: `from` is the sender's Ed25519 public key (hex), which is its address. */
export type Transaction = {
  from: string;
  to: string;
  /** Micro-coins moved, above 0. */
  amount: number;
  /** Micro-coins to the block's wrapper. */
  fee: number;
  /** The sender's next nonce: its previous one plus 1, so a transfer counts once. */
  nonce: number;
  /** Hex Ed25519 signature of the rest, in TRANSACTION_DOMAIN. */
  signature: string;
};

export type UnsignedTransaction = Omit<Transaction, 'signature'>;

const TRANSACTION_DOMAIN = 'proofgrid.pot.transaction.v1';
const ADDRESS = /^[0-9a-f]{64}$/;

/** Signs a transfer with the sender's secret key (its public key must be `from`). */
export function signTransaction(body: UnsignedTransaction, secretKey: Uint8Array): Transaction {
  return {
    ...body,
    signature: signedHex(body, { domain: TRANSACTION_DOMAIN, secretKey }),
  };
}

/** A transaction's hash: its id, signature included (two signatures of one body are one transfer twice). */
export function transactionHash(transaction: Transaction): string {
  return hashOf(transaction);
}

/** Why a transaction is malformed or not signed by its sender; null when it is well formed and signed. */
export function transactionFault(transaction: Transaction): string | null {
  const { signature, ...body } = transaction;
  if (!ADDRESS.test(body.from) || !ADDRESS.test(body.to))
    return 'an address is not 64 lowercase hex characters';
  if (!Number.isSafeInteger(body.amount) || body.amount <= 0)
    return 'the amount is not a whole number above 0';
  if (!Number.isSafeInteger(body.fee) || body.fee < 0) return 'the fee is not a whole number of at least 0';
  if (!Number.isSafeInteger(body.nonce) || body.nonce < 1) return 'the nonce is not a whole number above 0';
  if (!/^[0-9a-f]{128}$/.test(signature)) return 'the signature is not 64 bytes of hex';
  return signedBy(body.from, TRANSACTION_DOMAIN, body, signature)
    ? null
    : 'the signature is not the sender’s';
}
