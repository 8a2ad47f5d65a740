import type { Transaction } from '@proofgrid/chain';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { formatCoins } from './coins.ts';
import { printResult, table } from './output.ts';
import { nodeClient } from './wallet.ts';

type BlockView = {
  index: number;
  hash: string;
  previous_hash?: string;
  timestamp?: number;
  stageId?: string;
  checkpointSha256?: string;
  author?: string;
  declarers?: string[];
  coinbase?: { to: string; amount: number };
  transactions?: (Transaction & { hash: string })[];
  stakeholders?: string[];
};

/** `proofgrid chain show`: the node's network, tip and latest blocks. */
export async function chainShow(args: Arguments, io: CommandIo): Promise<number> {
  const client = nodeClient(args, io);
  const status = await client.status();
  const limit = args.integer('limit', { min: 1, max: 100 }) ?? 10;
  const blocks = (await client.blocks({ limit })) as BlockView[];
  printResult(io, args, { ...status, blocks }, (v) => [
    `network ${v.networkId} (genesis ${v.genesis.slice(0, 16)}) at ${client.url}`,
    `tip #${v.tip.index} ${v.tip.hash}  checkpoint ${v.tip.checkpointSha256.slice(0, 16)}`,
    `${v.peers} peers, ${v.pendingTransactions} pending transactions`,
    ...table([
      ['#', 'HASH', 'STAGE', 'AUTHOR', 'TXS', 'TIME'],
      ...[...v.blocks]
        .reverse()
        .map((b) => [
          String(b.index),
          b.hash.slice(0, 16),
          b.stageId ?? '',
          (b.author ?? '').slice(0, 8),
          String(b.transactions?.length ?? 0),
          b.timestamp === undefined ? '' : isoTime(b.timestamp),
        ]),
    ]),
  ]);
  return 0;
}

/** `proofgrid block show <n|hash>`. */
export async function blockShow(args: Arguments, io: CommandIo): Promise<number> {
  const id = args.positionals[0];
  if (id === undefined || args.positionals.length > 1)
    throw args.usage('block show takes one block: its height or its hash.');
  if (!/^([0-9]{1,12}|[0-9a-f]{64})$/.test(id))
    throw args.usage(`A block is a height or a 64-hex hash (got "${id}").`);
  const block = (await nodeClient(args, io).block(id)) as BlockView;
  printResult(io, args, block, (b) =>
    b.index === 0
      ? [`block #0 ${b.hash} (the genesis)`]
      : [
          `block #${b.index} ${b.hash}`,
          `parent      ${b.previous_hash}`,
          `time        ${isoTime(b.timestamp ?? 0)}`,
          `stage       ${b.stageId}  checkpoint ${b.checkpointSha256}`,
          `author      ${b.author} (coinbase ${formatCoins(b.coinbase?.amount ?? 0)} coins)`,
          `declarers   ${(b.declarers ?? []).map((d) => d.slice(0, 8)).join(' ')}`,
          `stakeholders ${(b.stakeholders ?? []).map((d) => d.slice(0, 8)).join(' ')}`,
          `transactions ${b.transactions?.length ?? 0}`,
          ...(b.transactions ?? []).map((t) => `  ${t.hash.slice(0, 16)} ${describeTransaction(t)}`),
        ],
  );
  return 0;
}

/** A header's timestamp as ISO text; the rules do not bound it, so one past year 275760 is shown as a number. */
function isoTime(timestampMs: number): string {
  const date = new Date(timestampMs);
  return Number.isNaN(date.getTime()) ? `${timestampMs} ms` : date.toISOString();
}

/** One line for a transaction of any kind. */
export function describeTransaction(t: Transaction): string {
  if (!('kind' in t))
    return `${t.from.slice(0, 8)} → ${t.to.slice(0, 8)} ${formatCoins(t.amount)} coins (fee ${formatCoins(t.fee)})`;
  if (t.kind === 'commitment')
    return `${t.from.slice(0, 8)} commits "${t.label}" = ${t.hash} (fee ${formatCoins(t.fee)})`;
  return `${t.from.slice(0, 8)} submits a training job, reward ${formatCoins(t.reward)} coins (fee ${formatCoins(t.fee)})`;
}

/** `proofgrid tx show <hash>`: pending, or confirmed in which block. */
export async function txShow(args: Arguments, io: CommandIo): Promise<number> {
  const hash = args.positionals[0];
  if (hash === undefined || !/^[0-9a-f]{64}$/.test(hash) || args.positionals.length > 1)
    throw args.usage('tx show takes one transaction hash (64 hex characters).');
  const found = await nodeClient(args, io).transaction(hash);
  printResult(io, args, found, (f) => [
    `transaction ${f.hash}: ${f.status}${f.block === null ? '' : ` in block #${f.block.index} ${f.block.hash} (${f.block.confirmations} confirmations)`}`,
    describeTransaction(f.transaction),
    `from ${f.transaction.from}, nonce ${f.transaction.nonce}`,
  ]);
  return 0;
}
