import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type CanonicalValue, encodeCanonical } from '../encoding/encodeCanonical.ts';
import { signCanonical, verifyCanonical } from '../signatures/signatures.ts';

/**
 * Receipts: the hub's signed word on every verdict and every payment. They form a Merkle log, batch by
 * batch; each batch's root is anchored on the chain (a commitment transaction), so a receipt can be checked
 * offline against a root anyone can look up, and the hub cannot quietly rewrite its history.
 */
export type Receipt = {
  /** The hub's public key (hex). */
  hub: string;
  /** Position in the hub's log, from 1. */
  seq: number;
  kind: 'verdict' | 'payment';
  /** ISO time. */
  at: string;
  /** What it says: the task and its outcome, or a ledger transfer. */
  body: { readonly [key: string]: CanonicalValue };
};

export type SignedReceipt = { receipt: Receipt; signature: string };
export type MerkleStep = { side: 'left' | 'right'; hash: string };

export const RECEIPT_DOMAIN = 'proofgrid.market.receipt.v1';

export function signReceipt(receipt: Receipt, secretKey: Uint8Array): SignedReceipt {
  const value = receipt as unknown as CanonicalValue;
  return { receipt, signature: bytesToHex(signCanonical({ secretKey, domain: RECEIPT_DOMAIN, value })) };
}

export function receiptSignedByHub({ receipt, signature }: SignedReceipt): boolean {
  if (!/^[0-9a-f]{64}$/.test(receipt.hub) || !/^[0-9a-f]{128}$/.test(signature)) return false;
  return verifyCanonical({
    publicKey: hexToBytes(receipt.hub),
    domain: RECEIPT_DOMAIN,
    value: receipt as unknown as CanonicalValue,
    signature: hexToBytes(signature),
  });
}

/** A leaf: sha256(0x00 ‖ canonical signed receipt). Leaves and nodes are domain-separated by their first byte. */
export function receiptLeaf(signed: SignedReceipt): string {
  const body = encodeCanonical(signed as unknown as CanonicalValue);
  const bytes = new Uint8Array(body.length + 1);
  bytes.set(body, 1);
  return bytesToHex(sha256(bytes));
}

function node(left: string, right: string): string {
  const bytes = new Uint8Array(65);
  bytes[0] = 1;
  bytes.set(hexToBytes(left), 1);
  bytes.set(hexToBytes(right), 33);
  return bytesToHex(sha256(bytes));
}

/** The levels of the tree over `leaves`; an odd last node is carried up unchanged (never paired with itself). */
function levels(leaves: readonly string[]): string[][] {
  const all: string[][] = [[...leaves]];
  for (let level = all[0] as string[]; level.length > 1; ) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(
        i + 1 < level.length ? node(level[i] as string, level[i + 1] as string) : (level[i] as string),
      );
    all.push(next);
    level = next;
  }
  return all;
}

export function merkleRootOf(leaves: readonly string[]): string {
  if (leaves.length === 0) return bytesToHex(sha256(new Uint8Array(0)));
  const all = levels(leaves);
  return (all[all.length - 1] as string[])[0] as string;
}

/** The path from leaf `index` to the root. */
export function merkleProofOf(leaves: readonly string[], index: number): MerkleStep[] {
  const proof: MerkleStep[] = [];
  let position = index;
  for (const level of levels(leaves).slice(0, -1)) {
    const sibling = position ^ 1;
    if (sibling < level.length)
      proof.push({ side: sibling < position ? 'left' : 'right', hash: level[sibling] as string });
    position = Math.floor(position / 2);
  }
  return proof;
}

/** Whether `leaf` with `proof` leads to `root`. */
export function merkleProofHolds(leaf: string, proof: readonly MerkleStep[], root: string): boolean {
  let hash = leaf;
  for (const step of proof) {
    if (!/^[0-9a-f]{64}$/.test(step.hash)) return false;
    hash = step.side === 'left' ? node(step.hash, hash) : node(hash, step.hash);
  }
  return hash === root;
}
