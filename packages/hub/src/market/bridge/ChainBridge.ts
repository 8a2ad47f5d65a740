import { signTransaction, type Transaction, transactionHash } from '@proofgrid/chain';
import { NANO_PER_MICRO_COIN } from '@proofgrid/core';
import type { HubDeps } from '../../deps.ts';
import { MINIMUM_ANCHOR_FEE_MICRO } from '../config.ts';
import { balanceOf, resolvePending, SYSTEM } from '../ledger/ledger.ts';
import { anchorReceipts } from '../receipts.ts';
import { WITHDRAWAL_FEE_MICRO } from '../withdrawals.ts';
import { recordDeposits } from './deposits.ts';
import { NodeHttp } from './NodeHttp.ts';

/** Blocks the bridge reads per request. */
const BLOCKS_PER_PAGE = 50;
/** A sent transaction not yet in a block after this is sent again (the same bytes: it cannot count twice). */
const RESEND_AFTER_MS = 60_000;

type BlockView = { index: number; hash: string; transactions: (Transaction & { hash: string })[] };
type FoundTransaction = { status: 'pending' | 'confirmed'; block: { index: number } | null };

/**
 * The hub's bridge to a Proof-of-Training chain, one round at a time (the hub runs a round every few seconds):
 * it credits confirmed deposits to the hub's address, sends queued withdrawals and settles sent ones, and
 * puts the newest receipt anchor's Merkle root on chain in a commitment transaction. Everything it does is
 * recorded before it is sent, and every send can be repeated safely: a transaction is signed from what the
 * database holds (same nonce, same bytes, same hash), so a crash between sending and recording cannot pay
 * twice.
 */
export class ChainBridge {
  readonly #deps: Pick<HubDeps, 'store' | 'secrets' | 'clock' | 'market'>;
  readonly #node: NodeHttp;
  readonly #confirmations: number;
  readonly #address: string;

  constructor(
    deps: Pick<HubDeps, 'store' | 'secrets' | 'clock' | 'market'>,
    chain: { url: string; confirmations: number },
  ) {
    this.#deps = deps;
    this.#node = new NodeHttp(chain.url);
    this.#confirmations = chain.confirmations;
    this.#address = Buffer.from(deps.secrets.hubKey.publicKey).toString('hex');
  }

  #lastAnchorMs = 0;

  /**
   * One round: deposits, withdrawals, and (every anchor interval) receipt anchors. One job sends every
   * transaction of the hub's address, so no two of them ever pick the same nonce.
   */
  async round(): Promise<void> {
    const status = await this.#node.get<{ tip: { index: number } }>('/node/status');
    await this.#readDeposits(status.tip.index);
    await this.#settleWithdrawals(status.tip.index);
    await this.#sendWithdrawals();
    const now = this.#deps.clock.nowMs();
    if (now - this.#lastAnchorMs >= this.#deps.market.anchorIntervalMs) {
      this.#lastAnchorMs = now;
      await this.anchor();
    }
  }

  /** Reads blocks up to the last confirmed height (tip − confirmations + 1) and records transfers to the hub. */
  async #readDeposits(tip: number): Promise<void> {
    const confirmed = tip - this.#confirmations + 1;
    const cursor = await this.#deps.store.query<{ height: number }>('SELECT height FROM bridge_cursor');
    let from = (cursor.rows[0]?.height ?? 0) + 1;
    while (from <= confirmed) {
      const limit = Math.min(BLOCKS_PER_PAGE, confirmed - from + 1);
      const blocks = await this.#node.get<BlockView[]>(`/node/blocks?from=${from}&limit=${limit}`);
      if (blocks.length === 0) return;
      const deposits = blocks.flatMap((block) =>
        block.transactions.flatMap((t) =>
          'kind' in t || t.to !== this.#address || t.amount <= 0
            ? []
            : [
                {
                  chainTx: t.hash,
                  from: t.from,
                  amountMicro: t.amount,
                  height: block.index,
                  blockHash: block.hash,
                },
              ],
        ),
      );
      const last = blocks[blocks.length - 1] as BlockView;
      await recordDeposits(this.#deps, deposits, last.index);
      from = last.index + 1;
    }
  }

  /** Withdrawals sent: posted once their transaction is confirmed deep enough, voided when the chain refused them. */
  async #settleWithdrawals(tip: number): Promise<void> {
    const sent = await this.#deps.store.query<{
      withdrawal_id: string;
      chain_tx: string;
      pending_transfer_id: string;
      updated_at: Date;
    }>(
      `SELECT withdrawal_id, chain_tx, pending_transfer_id::text, updated_at FROM chain_withdrawal WHERE state = 'sent' ORDER BY created_at LIMIT 100`,
    );
    for (const row of sent.rows) {
      const answer = await this.#node.call<FoundTransaction>('GET', `/node/transactions/${row.chain_tx}`);
      const block = answer.status === 200 ? answer.data.block : null;
      if (block !== null && tip - block.index + 1 >= this.#confirmations) {
        await this.#finish(row, 'confirmed', 'post', `confirmed in block ${block.index}`);
      } else if (
        answer.status === 404 &&
        this.#deps.clock.nowMs() - row.updated_at.getTime() > RESEND_AFTER_MS
      ) {
        // Dropped from the node's pool (a restart, a fork): the same transaction is sent again.
        await this.#deps.store.query(
          `UPDATE chain_withdrawal SET state = 'queued', updated_at = $2 WHERE withdrawal_id = $1`,
          [row.withdrawal_id, new Date(this.#deps.clock.nowMs())],
        );
      }
    }
  }

  async #finish(
    row: { withdrawal_id: string; pending_transfer_id: string },
    state: 'confirmed' | 'failed',
    outcome: 'post' | 'void',
    reason: string,
  ) {
    const now = new Date(this.#deps.clock.nowMs());
    await this.#deps.store.transaction(async (tx) => {
      const locked = await tx.query(
        `UPDATE chain_withdrawal SET state = $2, reason = $3, updated_at = $4 WHERE withdrawal_id = $1 AND state IN ('queued', 'sent')`,
        [row.withdrawal_id, state, reason, now],
      );
      if (locked.rowCount === 0) return;
      await resolvePending(
        tx,
        {
          pendingId: Number(row.pending_transfer_id),
          outcome,
          code: outcome === 'post' ? 'withdrawal' : 'refund',
          reason: `withdrawal ${row.withdrawal_id}: ${reason}`,
        },
        now,
      );
    });
  }

  /** Sends queued withdrawals, each with its own nonce recorded before it leaves. */
  async #sendWithdrawals(): Promise<void> {
    const queued = await this.#deps.store.query<{
      withdrawal_id: string;
      address: string;
      amount_micro: string;
      nonce: number | null;
      pending_transfer_id: string;
    }>(
      `SELECT withdrawal_id, address, amount_micro::text, nonce, pending_transfer_id::text FROM chain_withdrawal WHERE state = 'queued' ORDER BY created_at LIMIT 20`,
    );
    for (const row of queued.rows) {
      const nonce = row.nonce ?? (await this.#nextNonce());
      const signed = signTransaction(
        {
          from: this.#address,
          to: row.address,
          amount: Number(row.amount_micro),
          fee: WITHDRAWAL_FEE_MICRO,
          nonce,
        },
        this.#deps.secrets.hubKey.secretKey,
      );
      const hash = transactionHash(signed);
      await this.#deps.store.query(
        'UPDATE chain_withdrawal SET nonce = $2, chain_tx = $3 WHERE withdrawal_id = $1',
        [row.withdrawal_id, nonce, hash],
      );
      const answer = await this.#node.call<{ hash: string }>('POST', '/node/transaction', signed);
      const now = new Date(this.#deps.clock.nowMs());
      // Pending or in a block already (a resend after a crash or a lost answer): it is sent, whatever the reply.
      const known =
        answer.status === 200 ||
        (await this.#node.call<FoundTransaction>('GET', `/node/transactions/${hash}`)).status === 200;
      if (known) {
        await this.#deps.store.query(
          `UPDATE chain_withdrawal SET state = 'sent', updated_at = $2 WHERE withdrawal_id = $1`,
          [row.withdrawal_id, now],
        );
      } else if (answer.status === 400 && /nonce/.test(answer.msg)) {
        // Its nonce went to another of the hub's transactions, so these bytes can never be mined: it is
        // signed again with a fresh nonce next round. Never refunded here: only a refusal of the transfer
        // itself refunds it.
        await this.#deps.store.query(
          'UPDATE chain_withdrawal SET nonce = NULL, chain_tx = NULL WHERE withdrawal_id = $1',
          [row.withdrawal_id],
        );
      } else if (answer.status === 400) {
        // Refused for what it is (the hub's address cannot pay it, say), and unknown to the chain: refunded.
        await this.#deps.store.query('UPDATE chain_withdrawal SET nonce = NULL WHERE withdrawal_id = $1', [
          row.withdrawal_id,
        ]);
        await this.#finish(row, 'failed', 'void', `the chain refused it: ${answer.msg}`);
      }
    }
  }

  /**
   * Whether the hub's address holds more than what it owes its accounts (the bridge's balance) plus an
   * anchor's fee: deposits back credits, so anchors are paid only from what the operator added.
   */
  async #canPayAnchor(): Promise<boolean> {
    const account = await this.#node.get<{ balance: number }>(`/node/accounts/${this.#address}`);
    const owed = -(await balanceOf(this.#deps.store, SYSTEM.bridge)).posted / NANO_PER_MICRO_COIN;
    return account.balance - owed >= MINIMUM_ANCHOR_FEE_MICRO;
  }

  async #nextNonce(): Promise<number> {
    const account = await this.#node.get<{ nextNonce: number }>(`/node/accounts/${this.#address}`);
    const used = await this.#deps.store.query<{ n: number | null }>(
      `SELECT max(nonce) AS n FROM (SELECT nonce FROM chain_withdrawal WHERE state <> 'failed'
                                     UNION ALL SELECT chain_nonce AS nonce FROM receipt_anchor) AS used`,
    );
    return Math.max(account.nextNonce, (used.rows[0]?.n ?? 0) + 1);
  }

  /**
   * Anchors receipts on chain: gathers the receipts not yet anchored into a root, and sends every anchor not
   * yet on chain as a commitment `proofgrid-receipts:<first>-<last>` of its root. The hub's address pays the
   * fee (its operator funds it; deposits are only ever credited to accounts).
   */
  async anchor(): Promise<void> {
    await anchorReceipts(this.#deps);
    const unsent = await this.#deps.store.query<{
      anchor_id: string;
      first_seq: string;
      last_seq: string;
      root: string;
      chain_nonce: number | null;
    }>(
      `SELECT anchor_id::text, first_seq::text, last_seq::text, root, chain_nonce FROM receipt_anchor WHERE chain_tx IS NULL OR chain_height IS NULL
        ORDER BY anchor_id LIMIT 10`,
    );
    for (const row of unsent.rows) {
      if (row.chain_nonce === null && !(await this.#canPayAnchor())) return;
      const nonce = row.chain_nonce ?? (await this.#nextNonce());
      const signed = signTransaction(
        {
          kind: 'commitment',
          from: this.#address,
          label: `proofgrid-receipts:${row.first_seq}-${row.last_seq}`,
          hash: row.root,
          fee: MINIMUM_ANCHOR_FEE_MICRO,
          nonce,
        },
        this.#deps.secrets.hubKey.secretKey,
      );
      const hash = transactionHash(signed);
      await this.#deps.store.query(
        'UPDATE receipt_anchor SET chain_nonce = $2, chain_tx = $3 WHERE anchor_id = $1',
        [row.anchor_id, nonce, hash],
      );
      const found = await this.#node.call<FoundTransaction>('GET', `/node/transactions/${hash}`);
      if (found.status === 200 && found.data.block !== null) {
        await this.#deps.store.query('UPDATE receipt_anchor SET chain_height = $2 WHERE anchor_id = $1', [
          row.anchor_id,
          found.data.block.index,
        ]);
        continue;
      }
      if (found.status !== 404) continue;
      const sent = await this.#node.call('POST', '/node/transaction', signed);
      if (sent.status === 400 && !/already/.test(sent.msg))
        // Refused (its nonce went elsewhere, or the address cannot pay the fee): the nonce is given back and
        // the anchor is signed afresh later; until then it is a local root, as on a chainless hub.
        await this.#deps.store.query(
          'UPDATE receipt_anchor SET chain_nonce = NULL, chain_tx = NULL WHERE anchor_id = $1',
          [row.anchor_id],
        );
    }
  }
}
