import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OrganizationSession, routes } from '@proofgrid/client';
import {
  type MerkleStep,
  merkleProofHolds,
  receiptLeaf,
  receiptSignedByHub,
  type SignedReceipt,
} from '@proofgrid/core';
import type { CommandIo } from '../../cli/io.ts';
import type { Arguments } from '../../cli/parseArguments.ts';
import { printResult, table } from '../output.ts';
import { nodeClient } from '../wallet.ts';
import { credits, marketSession } from './marketSession.ts';

const WATCH_INTERVAL_MS = 1_000;

type DealView = {
  deal: Record<string, unknown> & { deal_id: string; volume: number; final_deadline: string };
  tasks: { taskId: string; index: number; state: string; outcome: string | null; reason: string | null }[];
};

function describeDeal(v: DealView): string[] {
  const d = v.deal;
  return [
    `deal ${d.deal_id}: ${d.volume} task(s) of program ${d.program_id} on pool ${d.pool_id}`,
    `requester ${d.requester_id}; category ${d.category}, trust ${d.trust}; final deadline ${d.final_deadline}`,
    `price per task: program ${credits(Number(d.program_price))} + pool ${credits(Number(d.pool_price))}; stakes: pool ${credits(Number(d.pool_stake))}, worker ${credits(Number(d.worker_stake))} per task`,
    ...table([
      ['#', 'TASK', 'STATE', 'SETTLED', 'WHY'],
      ...v.tasks.map((t) => [String(t.index + 1), t.taskId, t.state, t.outcome ?? '-', t.reason ?? '']),
    ]),
  ];
}

/** `proofgrid deal show <id>`. */
export async function dealShow(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const id = args.one('a deal id');
  if (args.flag('watch')) return watchDeal(args, io, session, id);
  const view = (await session.call(routes.showDeal, { params: { deal_id: id } })) as DealView;
  printResult(io, args, view, describeDeal);
  return 0;
}

/** Follows a deal until every task is settled; with `--download <dir>`, saves the verified outputs. */
export async function watchDeal(
  args: Arguments,
  io: CommandIo,
  session: OrganizationSession,
  dealId: string,
): Promise<number> {
  let last = '';
  for (;;) {
    const view = (await session.call(routes.showDeal, { params: { deal_id: dealId } })) as DealView;
    const settled = view.tasks.filter((t) => t.outcome !== null).length;
    const line = `${settled}/${view.tasks.length} settled: ${view.tasks.map((t) => t.state).join(' ')}`;
    if (line !== last && !args.flag('json')) io.out(line);
    last = line;
    if (settled === view.tasks.length) {
      const dir = args.string('download');
      if (dir !== undefined) {
        mkdirSync(dir, { recursive: true });
        for (const task of view.tasks.filter((t) => t.state === 'verified')) {
          const { bytes } = await session.call(routes.marketTaskOutput, { params: { task_id: task.taskId } });
          writeFileSync(join(dir, `${task.index + 1}-${task.taskId}.out`), bytes);
        }
      }
      printResult(io, args, view, describeDeal);
      return view.tasks.every((t) => t.outcome === 'paid' && t.state === 'verified') ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}

type MarketTaskView = {
  task: {
    task_id: string;
    deal_id: string;
    state: string;
    result_hash: string | null;
    failure_reason: string | null;
    final_deadline: string;
  };
  replicas: { worker_id: string | null; state: string; judgement: string | null; reason: string | null }[];
  transfers: {
    code: string;
    flag: string;
    debit_account: string;
    credit_account: string;
    amount: string;
    reason: string;
    judgement_id: string | null;
  }[];
  settlement: { outcome: string; reason: string } | null;
  receipts: { seq: number; kind: string }[];
  waiting: string | null;
};

function describeMarketTask(v: MarketTaskView): string[] {
  return [
    `task ${v.task.task_id} of deal ${v.task.deal_id}: ${v.task.state}${v.task.failure_reason ? ` (${v.task.failure_reason})` : ''}; final deadline ${v.task.final_deadline}`,
    ...(v.waiting === null ? [] : [`waiting: ${v.waiting}`]),
    ...(v.task.result_hash === null ? [] : [`result ${v.task.result_hash}`]),
    ...table([
      ['WORKER', 'REPLICA', 'JUDGEMENT', 'WHY'],
      ...v.replicas.map((r) => [r.worker_id ?? '-', r.state, r.judgement ?? '-', r.reason ?? '']),
    ]),
    ...(v.settlement === null ? [] : [`settled: ${v.settlement.outcome} (${v.settlement.reason})`]),
    ...table([
      ['MOVEMENT', 'FROM', 'TO', 'AMOUNT', 'WHY'],
      ...v.transfers.map((t) => [
        `${t.code}${t.flag === 'posted' ? '' : ` (${t.flag.replace('_', ' ')})`}`,
        t.debit_account,
        t.credit_account,
        credits(Number(t.amount)),
        `${t.reason}${t.judgement_id === null ? '' : ` [judgement ${t.judgement_id}]`}`,
      ]),
    ]),
    ...(v.receipts.length === 0
      ? []
      : [`receipts ${v.receipts.map((r) => r.seq).join(', ')} (proofgrid receipt show <n>)`]),
  ];
}

/** `proofgrid task show <task id> [--watch] [--download <file>]`: a deal task, its payments and receipts. */
export async function marketTaskShow(args: Arguments, io: CommandIo, taskId: string): Promise<number> {
  const session = marketSession(args, io);
  let view = (await session.call(routes.showMarketTask, { params: { task_id: taskId } })) as MarketTaskView;
  while (args.flag('watch') && view.settlement === null) {
    if (!args.flag('json')) io.out(`${view.task.state}: ${view.waiting ?? 'deciding'}`);
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
    view = (await session.call(routes.showMarketTask, { params: { task_id: taskId } })) as MarketTaskView;
  }
  const file = args.string('download');
  if (file !== undefined && view.task.state === 'verified')
    writeFileSync(file, (await session.call(routes.marketTaskOutput, { params: { task_id: taskId } })).bytes);
  printResult(io, args, view, describeMarketTask);
  return 0;
}

/** `proofgrid task claim <task id>`: past its final deadline, a refund in full and the pool's stake seized. */
export async function taskClaim(args: Arguments, io: CommandIo): Promise<number> {
  const taskId = args.one('a deal task id');
  await marketSession(args, io).call(routes.claimTask, { params: { task_id: taskId } });
  printResult(io, args, { task_id: taskId, claimed: true }, () => [
    `task ${taskId} is claimed: your escrow for it is refunded in full, the pool's stake is seized.`,
  ]);
  return 0;
}

type ReceiptProof = {
  signed: SignedReceipt;
  anchor: {
    root: string;
    proof: MerkleStep[];
    firstSeq: number;
    lastSeq: number;
    chainTx: string | null;
    chainHeight: number | null;
  } | null;
};

/** `proofgrid receipt show <n> [--out file]`: a signed receipt with its Merkle path and anchor, to check offline. */
export async function receiptShow(args: Arguments, io: CommandIo): Promise<number> {
  const seq = args.one('a receipt number');
  if (!/^[1-9][0-9]{0,15}$/.test(seq))
    throw args.usage(`a receipt number is a whole number from 1 (got "${seq}").`);
  const proof = (await marketSession(args, io).hub.call(routes.showReceipt, {
    params: { seq: Number(seq) },
  })) as ReceiptProof;
  const out = args.string('out');
  if (out !== undefined) writeFileSync(out, `${JSON.stringify(proof, null, 2)}\n`);
  printResult(io, args, proof, (v) => [
    `receipt ${v.signed.receipt.seq} (${v.signed.receipt.kind}, ${v.signed.receipt.at}) signed by hub ${v.signed.receipt.hub}`,
    JSON.stringify(v.signed.receipt.body, null, 2),
    v.anchor === null
      ? 'not anchored yet: its batch gets a root within the anchor interval'
      : `anchored in root ${v.anchor.root} (receipts ${v.anchor.firstSeq}–${v.anchor.lastSeq})${v.anchor.chainTx === null ? ', not on a chain' : `, on chain in ${v.anchor.chainTx}${v.anchor.chainHeight === null ? ' (pending)' : ` at block #${v.anchor.chainHeight}`}`}`,
    ...(out === undefined ? [] : [`saved to ${out}: check it offline with proofgrid receipt verify ${out}`]),
  ]);
  return 0;
}

/**
 * `proofgrid receipt verify <file> [--hub-key <hex>] [--node <url>]`: checks a receipt offline: the hub's
 * signature, and its Merkle path to the anchored root; with `--node`, also that the root is on chain.
 */
export async function receiptVerify(args: Arguments, io: CommandIo): Promise<number> {
  const file = args.one('a receipt file (from `proofgrid receipt show <n> --out <file>`)');
  let proof: ReceiptProof;
  try {
    proof = JSON.parse(readFileSync(file, 'utf8')) as ReceiptProof;
  } catch {
    throw args.usage(
      `${file} is not a receipt file: save one with \`proofgrid receipt show <n> --out ${file}\`.`,
    );
  }
  const checks: { check: string; ok: boolean; detail: string }[] = [];
  const signed = proof.signed;
  // The key the receipt must be signed by is pinned: a receipt carries its signer's key, so a forger would
  // carry its own. --hub-key, else the key the hub itself announces.
  let hubKey = args.string('hub-key');
  if (hubKey === undefined) {
    const hubUrl = args.string('hub') ?? io.env.PROOFGRID_HUB;
    if (hubUrl === undefined)
      throw args.usage(
        'pin the hub key with --hub-key <hex> (`proofgrid receipt show` prints it), or name the hub with --hub.',
      );
    hubKey = ((await marketSession(args, io).hub.call(routes.marketStatus, {})) as { hub_key: string })
      .hub_key;
  }
  checks.push({ check: 'signature', ok: receiptSignedByHub(signed), detail: `by ${signed?.receipt?.hub}` });
  checks.push({
    check: 'hub key',
    ok: signed?.receipt?.hub === hubKey,
    detail: `the hub's key is ${hubKey}`,
  });
  if (proof.anchor === null)
    checks.push({
      check: 'anchor',
      ok: false,
      detail: 'the receipt is not anchored yet: fetch it again later',
    });
  else {
    const seq = signed.receipt.seq;
    checks.push({
      check: 'merkle path',
      ok:
        seq >= proof.anchor.firstSeq &&
        seq <= proof.anchor.lastSeq &&
        merkleProofHolds(receiptLeaf(signed), proof.anchor.proof, proof.anchor.root),
      detail: `receipt ${seq} in root ${proof.anchor.root} (receipts ${proof.anchor.firstSeq}–${proof.anchor.lastSeq})`,
    });
    const nodeUrl = args.string('node');
    if (nodeUrl !== undefined) {
      const chainTx = proof.anchor.chainTx;
      const found =
        chainTx === null
          ? null
          : await nodeClient(args, io)
              .transaction(chainTx)
              .catch(() => null);
      const tx = found?.transaction as
        | { kind?: string; label?: string; hash?: string; from?: string }
        | undefined;
      checks.push({
        check: 'on chain',
        ok:
          found?.status === 'confirmed' &&
          tx?.kind === 'commitment' &&
          tx.hash === proof.anchor.root &&
          tx.from === hubKey &&
          tx.label === `proofgrid-receipts:${proof.anchor.firstSeq}-${proof.anchor.lastSeq}`,
        detail:
          chainTx === null
            ? 'the anchor is not on a chain (a hub without one, or not sent yet)'
            : `commitment ${chainTx}${found?.block ? ` in block #${found.block.index}` : ' not found on that node'}`,
      });
    }
  }
  const ok = checks.every((c) => c.ok);
  printResult(io, args, { ok, checks }, (v) => [
    ...table([['CHECK', 'RESULT', ''], ...v.checks.map((c) => [c.check, c.ok ? 'ok' : 'FAILED', c.detail])]),
    v.ok ? `receipt ${signed.receipt.seq} holds.` : `receipt ${signed?.receipt?.seq} does NOT hold.`,
  ]);
  return ok ? 0 : 1;
}
