import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COIN } from '@proofgrid/chain';
import { isProofGridError } from '@proofgrid/core';
import { devGenesis, type Genesis, loadOrCreateNodeKey, parseGenesis, startNode } from '@proofgrid/node';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { parseCoins } from './coins.ts';
import { readJsonFile } from './readJsonFile.ts';
import { untilSignal } from './untilSignal.ts';

function readGenesis(args: Arguments): Genesis | null {
  const path = args.string('genesis');
  return path === undefined ? null : parseGenesis(readJsonFile(args, 'genesis', path));
}

/**
 * `proofgrid node start`: a Proof-of-Training node in the foreground — CurveTime's HTTP API on `--port`,
 * libp2p on `--p2p-port` — until SIGINT or SIGTERM, when it stops cleanly (everything it accepted is
 * already on disk).
 */
export async function nodeStart(args: Arguments, io: CommandIo): Promise<number> {
  if (args.positionals.length > 0)
    throw args.usage(`node start takes options only (got "${args.positionals.join(' ')}").`);
  const port = args.integer('port', { min: 0, max: 65_535 }) ?? 8000;
  const p2pPort = args.integer('p2p-port', { min: 0, max: 65_535 }) ?? (port === 0 ? 0 : port + 1000);
  if (p2pPort !== 0 && p2pPort > 65_535) throw args.usage('--p2p-port is needed when --port is above 64535.');
  const train = !args.flag('no-train');
  const poison = args.string('poison') ?? null;
  if (poison !== null && poison !== 'flip-labels' && poison !== 'append-mislabeled')
    throw args.usage(`--poison is flip-labels or append-mislabeled (got "${poison}").`);
  const peers = args.strings('peer');
  for (const peer of peers)
    if (!/^https?:\/\/[^\s/]+/.test(peer))
      throw args.usage(`--peer takes a node's URL, e.g. http://127.0.0.1:8000 (got "${peer}").`);
  const dataDir = resolve(args.string('data-dir') ?? './.proofgrid/node');
  const running = await startNode({
    dataDir,
    host: args.string('host') ?? '127.0.0.1',
    port,
    p2pPort,
    genesis: readGenesis(args),
    train,
    poison,
    peers,
    log: (line) => io.out(line),
    verbose: args.flag('verbose'),
  });
  const { node } = running;
  io.out(
    `ProofGrid node listening on ${running.url} (network ${node.genesis.networkId}, genesis ${node.genesisHash.slice(0, 8)}; data directory ${dataDir})`,
  );
  io.out(
    `libp2p: ${node.network.multiaddrs.map((address) => `${address}/p2p/${node.network.peerId}`).join(' ')}`,
  );
  const stake = node.participant.chain.tip.accounts.get(node.key.publicKey)?.balance ?? 0;
  io.out(
    `address ${node.key.publicKey}: ${stake / COIN} coins at the tip; ${poison !== null ? `trains POISONED stages (${poison})` : train ? (stake >= node.genesis.minimumStake ? 'trains and mines' : 'trains, but mines nothing until it holds the minimum stake') : 'verifies only (--no-train)'}`,
  );
  io.out(`API: ${running.url}/openapi.json, metrics: ${running.url}/metrics — stop with Ctrl-C`);
  return untilSignal(io, 'node', running.close);
}

/** `proofgrid node key`: the node's address (its key is made on first use), to list in a genesis. */
export async function nodeKey(args: Arguments, io: CommandIo): Promise<number> {
  const dataDir = resolve(args.string('data-dir') ?? './.proofgrid/node');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true });
  const { key, created } = loadOrCreateNodeKey(dataDir);
  if (args.flag('json')) io.out(JSON.stringify({ address: key.publicKey, created, dataDir }, null, 2));
  else io.out(`${key.publicKey}${created ? `  (new key in ${dataDir}/node-key.json)` : ''}`);
  return 0;
}

/**
 * `proofgrid node genesis`: writes a new network's genesis — the dev network's rules with the given
 * allocations — to `--out` (or prints it).
 */
export async function nodeGenesis(args: Arguments, io: CommandIo): Promise<number> {
  const base = devGenesis();
  const allocations = args.strings('allocate').map((value) => {
    const match = /^([0-9a-f]{64})=(.+)$/.exec(value);
    if (match === null) throw args.usage(`--allocate takes <address>=<coins> (got "${value}").`);
    return { address: match[1] as string, amount: parseCoins(args, 'allocate', match[2] as string) };
  });
  const genesis = parseGenesis({
    ...base,
    networkId: args.string('network-id') ?? 'proofgrid-local',
    allocations: allocations.length > 0 ? allocations : base.allocations,
    employerConfidence: args.integer('employer-confidence', { min: 1, max: 64 }) ?? base.employerConfidence,
    stakeholders: args.integer('stakeholders', { min: 1, max: 64 }) ?? base.stakeholders,
    ...(args.integer('try-interval-ms', { min: 10, max: 60_000 }) !== undefined
      ? { tryIntervalMs: args.integer('try-interval-ms', { min: 10, max: 60_000 }) }
      : {}),
  });
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  const out = args.string('out');
  if (out === undefined) io.out(text.trimEnd());
  else {
    try {
      writeFileSync(resolve(out), text, { flag: 'wx' });
    } catch (error) {
      if (isProofGridError(error)) throw error;
      throw args.usage(
        `--out ${out} cannot be written: ${(error as Error).message} (an existing file is never replaced).`,
      );
    }
    io.out(
      `genesis of network ${genesis.networkId} written to ${out}: ${genesis.allocations.length} allocations`,
    );
  }
  return 0;
}
