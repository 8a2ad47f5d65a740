import {
  type CanonicalValue,
  type MerkleStep,
  merkleProofOf,
  merkleRootOf,
  type Receipt,
  receiptLeaf,
  type SignedReceipt,
  signReceipt,
} from '@proofgrid/core';
import type { HubDeps } from '../deps.ts';
import type { Queryable } from '../store/Store.ts';
import { ANCHOR_RECEIPTS_MAX } from './config.ts';
import { ReceiptNotFoundError } from './errors.ts';

export type ReceiptDraft = {
  kind: Receipt['kind'];
  dealId: string | null;
  taskId: string | null;
  body: { readonly [key: string]: CanonicalValue };
};

/**
 * Appends receipts in the caller's transaction (the one of the verdict or payment they state). Numbers come
 * from one counter row, locked until commit, so receipts commit in the order of their numbers and an anchor
 * never skips one committed later.
 */
export async function appendReceipts(
  tx: Queryable,
  drafts: readonly ReceiptDraft[],
  now: Date,
): Promise<void> {
  if (drafts.length === 0) return;
  const counter = await tx.query<{ last_seq: string }>(
    'UPDATE receipt_counter SET last_seq = last_seq + $1 RETURNING last_seq::text',
    [drafts.length],
  );
  const last = Number(counter.rows[0]?.last_seq);
  const first = last - drafts.length + 1;
  await tx.query(
    `INSERT INTO receipt (seq, kind, deal_id, task_id, body, created_at)
     SELECT s, k, d, t, b::jsonb, $1 FROM unnest($2::bigint[], $3::text[], $4::uuid[], $5::uuid[], $6::text[]) AS u(s, k, d, t, b)`,
    [
      now,
      drafts.map((_, i) => first + i),
      drafts.map((draft) => draft.kind),
      drafts.map((draft) => draft.dealId),
      drafts.map((draft) => draft.taskId),
      drafts.map((draft) => JSON.stringify(draft.body)),
    ],
  );
}

type ReceiptRow = { seq: string; kind: Receipt['kind']; body: Receipt['body']; created_at: Date };

function signed(deps: Pick<HubDeps, 'secrets'>, row: ReceiptRow): SignedReceipt {
  const receipt: Receipt = {
    hub: Buffer.from(deps.secrets.hubKey.publicKey).toString('hex'),
    seq: Number(row.seq),
    kind: row.kind,
    at: row.created_at.toISOString(),
    body: row.body,
  };
  return signReceipt(receipt, deps.secrets.hubKey.secretKey);
}

async function receiptRows(db: Queryable, first: number, last: number): Promise<ReceiptRow[]> {
  const found = await db.query<ReceiptRow>(
    'SELECT r.seq::text, r.kind, r.body, r.created_at FROM receipt r WHERE r.seq BETWEEN $1 AND $2 ORDER BY r.seq',
    [first, last],
  );
  return found.rows;
}

export type Anchor = {
  anchorId: number;
  firstSeq: number;
  lastSeq: number;
  root: string;
  chainTx: string | null;
  chainHeight: number | null;
};

/**
 * Gathers the receipts no anchor covers yet (at most {@link ANCHOR_RECEIPTS_MAX}) into a Merkle root and
 * records it. Returns the new anchor, or null when there is nothing new. The bridge then puts its root on
 * chain; on a chainless hub the root stays local (and `receipt verify` says so).
 */
export async function anchorReceipts(
  deps: Pick<HubDeps, 'store' | 'secrets' | 'clock'>,
): Promise<Anchor | null> {
  return deps.store.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM receipt_counter FOR UPDATE');
    const range = await tx.query<{ first: string | null; last: string | null }>(
      `SELECT (coalesce((SELECT max(last_seq) FROM receipt_anchor), 0) + 1)::text AS first,
              (SELECT last_seq FROM receipt_counter)::text AS last`,
    );
    const first = Number(range.rows[0]?.first);
    const last = Math.min(Number(range.rows[0]?.last), first + ANCHOR_RECEIPTS_MAX - 1);
    if (last < first) return null;
    const leaves = (await receiptRows(tx, first, last)).map((row) => receiptLeaf(signed(deps, row)));
    const root = merkleRootOf(leaves);
    await tx.query('INSERT INTO receipt_leaf (seq, leaf) SELECT * FROM unnest($1::bigint[], $2::text[])', [
      leaves.map((_, i) => first + i),
      leaves,
    ]);
    const inserted = await tx.query<{ anchor_id: string }>(
      'INSERT INTO receipt_anchor (first_seq, last_seq, root, created_at) VALUES ($1, $2, $3, $4) RETURNING anchor_id::text',
      [first, last, root, new Date(deps.clock.nowMs())],
    );
    return {
      anchorId: Number(inserted.rows[0]?.anchor_id),
      firstSeq: first,
      lastSeq: last,
      root,
      chainTx: null,
      chainHeight: null,
    };
  });
}

/** What `receipt verify` checks offline: the signed receipt, its path to its anchor's root, and the anchor. */
export type ReceiptProof = {
  signed: SignedReceipt;
  /** Null until the receipt's batch is anchored. */
  anchor: (Anchor & { proof: MerkleStep[]; leafIndex: number }) | null;
};

export async function receiptWithProof(
  deps: Pick<HubDeps, 'store' | 'secrets'>,
  seq: number,
): Promise<ReceiptProof> {
  const [row] = await receiptRows(deps.store, seq, seq);
  if (row === undefined) throw new ReceiptNotFoundError({ seq });
  const found = await deps.store.query<{
    anchor_id: string;
    first_seq: string;
    last_seq: string;
    root: string;
    chain_tx: string | null;
    chain_height: number | null;
  }>(
    `SELECT anchor_id::text, first_seq::text, last_seq::text, root, chain_tx, chain_height FROM receipt_anchor
      WHERE first_seq <= $1 AND last_seq >= $1`,
    [seq],
  );
  const anchorRow = found.rows[0];
  const own = signed(deps, row);
  if (anchorRow === undefined) return { signed: own, anchor: null };
  const firstSeq = Number(anchorRow.first_seq);
  const lastSeq = Number(anchorRow.last_seq);
  const leaves = (
    await deps.store.query<{ leaf: string }>(
      'SELECT leaf FROM receipt_leaf WHERE seq BETWEEN $1 AND $2 ORDER BY receipt_leaf.seq',
      [firstSeq, lastSeq],
    )
  ).rows.map((row) => row.leaf);
  return {
    signed: own,
    anchor: {
      anchorId: Number(anchorRow.anchor_id),
      firstSeq,
      lastSeq,
      root: anchorRow.root,
      chainTx: anchorRow.chain_tx,
      chainHeight: anchorRow.chain_height,
      leafIndex: seq - firstSeq,
      proof: merkleProofOf(leaves, seq - firstSeq),
    },
  };
}
