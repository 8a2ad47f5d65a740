import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { assert, encodeCanonical, keyPairFromSeed } from '@proofgrid/core';
import type { Accounts } from '../accounts.ts';
import { blockHash, type ChainConfig, type ParentState, stakeholderSeed } from '../block.ts';
import { COIN, MINIMUM_STAKE, POT_DEFAULTS } from '../constants.ts';
import { followTheCoin } from '../followTheCoin.ts';
import { hashOf } from '../hashing.ts';
import {
  type LogRecord,
  type Message,
  Participant,
  type Role,
  type StageTrainer,
  type Timing,
} from '../protocol/Participant.ts';
import { type Transaction, transactionHash } from '../transaction.ts';
import { EventQueue } from './EventQueue.ts';
import { Random } from './random.ts';
import { SimulatedNetwork } from './SimulatedNetwork.ts';

/** Seed 003's scenario and the faults injected into it. Every field but the trainer has a default. */
export type SimulationOptions = {
  /** The same seed gives the same run, message for message. */
  seed: string;
  trainer: StageTrainer;
  /** The genesis model's checkpoint hash (the trainer's starting point). */
  initialCheckpointSha256: string;
  modelId?: string;
  nodes?: number;
  /** How many of the nodes train on flipped labels (the last ones). */
  poisoners?: number;
  users?: number;
  transactions?: number;
  targetLength?: number;
  stakeholders?: number;
  employerConfidence?: number;
  tdCoinstake?: bigint;
  bhCoinstake?: bigint;
  timing?: Partial<Timing>;
  dropRate?: number;
  delayMs?: { min: number; max: number };
  /** While it lasts, the first half of the nodes and users hear nothing from the other half. */
  partitions?: { fromMs: number; toMs: number }[];
  /** Node `node` (1-based) is down from `fromMs` to `toMs`, and comes back with an empty memory. */
  crashes?: { node: number; fromMs: number; toMs: number }[];
  /** Users issue their transfers over this time from the start. */
  transactionWindowMs?: number;
  /** Simulated time after which the run stops even if the honest nodes never reached the target. */
  maxTimeMs?: number;
  log?: (record: LogRecord) => void;
};

export const SIMULATION_DEFAULTS = {
  nodes: POT_DEFAULTS.nodes,
  poisoners: 0,
  users: 10,
  transactions: 100,
  targetLength: POT_DEFAULTS.targetLength,
  stakeholders: POT_DEFAULTS.stakeholders,
  employerConfidence: POT_DEFAULTS.employerConfidence,
  timing: { tryIntervalMs: 1000, stageTimeMs: 20, headerTimeoutMs: 15_000, statusIntervalMs: 5000 },
  dropRate: 0,
  delayMs: { min: 20, max: 200 },
  transactionWindowMs: 10_000,
  maxTimeMs: 3_600_000,
  /** Each node's coins at genesis; each user's are drawn from 10 to 100 coins, as in the seed. */
  nodeStake: 10 * COIN,
} as const;

/** Limits on what a scenario may ask for: a simulation is one process's memory and minutes. */
export const SIMULATION_LIMITS = {
  nodes: 64,
  users: 256,
  transactions: 10_000,
  targetLength: 100,
  maxTimeMs: 24 * 3_600_000,
} as const;

export type BlockReport = {
  index: number;
  hash: string;
  proposer: string;
  wrapper: string;
  declarers: string[];
  transactions: number;
  checkpointSha256: string;
  /** Its canonical encoding: what a node stores and sends. */
  bytes: number;
};

export type SimulationReport = {
  seed: string;
  /** Simulated time at the end. */
  timeMs: number;
  /** Every honest participant that is up holds the same tip at the target length. */
  agreement: boolean;
  /** The main chain of the first honest participant that is up (the honest chain). */
  chain: BlockReport[];
  tips: { name: string; role: Role; up: boolean; index: number; hash: string }[];
  finalCheckpointSha256: string;
  /**
   * Transfers users tried (`attempted`), signed (`issued`; a wallet declines what its balance cannot pay),
   * and where the issued ones are at the end: in the honest chain, still pending in an honest pool, or lost
   * (neither — never expected). `includedTwice` counts transfers the chain carries more than once.
   */
  transactions: {
    attempted: number;
    issued: number;
    inChain: number;
    pending: number;
    lost: number;
    includedTwice: number;
  };
  /** Coins (micro) each participant earned on the honest chain. */
  earnings: Record<string, number>;
  /** Declarations of poisoners that the honest chain counts. */
  poisonerDeclarations: number;
  messages: { sent: number; delivered: number; dropped: number; partitioned: number };
};

/**
 * Runs seed 003's simulation: nodes train stages and race for blocks, users issue transfers, the network
 * delays, drops and partitions messages and nodes crash, all on a simulated clock driven by one seed. It ends
 * when every honest participant holds the same tip at the target length (after the last fault), or at
 * `maxTimeMs`. Pure but for the injected trainer: no network, no disk, no wall clock.
 */
export function simulate(options: SimulationOptions): Promise<SimulationReport> {
  return createSimulation(options).run();
}

/** A simulation set up but not started, for tests that inject their own messages before `run`. */
export type Simulation = {
  queue: EventQueue;
  network: SimulatedNetwork<Message>;
  config: ChainConfig;
  genesis: ParentState;
  participants: Participant[];
  /** A participant's keys (derived from the seed and its name, so a test can act as anyone). */
  keyOf: (name: string) => { publicKey: string; secretKey: Uint8Array };
  run: () => Promise<SimulationReport>;
};

export function createSimulation(options: SimulationOptions): Simulation {
  const o = {
    ...SIMULATION_DEFAULTS,
    ...options,
    timing: { ...SIMULATION_DEFAULTS.timing, ...options.timing },
  };
  checkOptions({ ...o, partitions: o.partitions ?? [], crashes: o.crashes ?? [] });
  const random = new Random(o.seed);
  const queue = new EventQueue();
  const keyOf = (name: string) => {
    const pair = keyPairFromSeed(sha256(utf8ToBytes(`proofgrid.simulation.key:${o.seed}:${name}`)));
    return { publicKey: bytesToHex(pair.publicKey), secretKey: pair.secretKey };
  };
  const pad = (n: number) => String(n).padStart(2, '0');
  const people = [
    ...Array.from({ length: o.nodes }, (_, i) => ({
      name: `node-${pad(i + 1)}`,
      role: (i >= o.nodes - o.poisoners ? 'poisoner' : 'honest') as Role,
    })),
    ...Array.from({ length: o.users }, (_, i) => ({ name: `user-${pad(i + 1)}`, role: 'user' as Role })),
  ];
  const keys = new Map(people.map(({ name }) => [name, keyOf(name)]));
  const names = new Map([...keys].map(([name, key]) => [key.publicKey, name]));
  const nameOf = (publicKey: string) => names.get(publicKey) ?? publicKey.slice(0, 8);

  const balances = random.fork('genesis');
  const accounts = new Map(
    people.map(({ name, role }) => [
      keys.get(name)?.publicKey ?? '',
      { balance: role === 'user' ? balances.int(10, 100) * COIN : o.nodeStake, nonce: 0 },
    ]),
  ) as Accounts;
  const genesis: ParentState = {
    hash: hashOf({
      network: 'proofgrid.pot.simulation',
      seed: o.seed,
      checkpointSha256: o.initialCheckpointSha256,
      accounts: [...accounts].map(([address, { balance }]) => [address, balance]),
    }),
    index: 0,
    accounts,
    checkpointSha256: o.initialCheckpointSha256,
  };
  const config: ChainConfig = {
    modelId: o.modelId ?? 'mnist-default',
    tdCoinstake: o.tdCoinstake ?? POT_DEFAULTS.tdCoinstake,
    bhCoinstake: o.bhCoinstake ?? POT_DEFAULTS.bhCoinstake,
    employerConfidence: o.employerConfidence,
    stakeholders: o.stakeholders,
    minimumStake: MINIMUM_STAKE,
  };
  const firstHalf = (role: 'node' | 'user') => {
    const group = people.filter(({ name }) => name.startsWith(role));
    return group.slice(0, Math.ceil(group.length / 2));
  };
  const side = new Set([...firstHalf('node'), ...firstHalf('user')].map(({ name }) => name));
  const network = new SimulatedNetwork<Message>({
    queue,
    random: random.fork('network'),
    faults: {
      dropRate: o.dropRate,
      delayMs: o.delayMs,
      partitions: (o.partitions ?? []).map(({ fromMs, toMs }) => ({ fromMs, toMs, side })),
    },
  });
  const log = o.log ?? (() => {});
  const world = {
    clock: queue,
    network,
    config,
    timing: o.timing,
    trainer: o.trainer,
    genesis,
    targetLength: o.targetLength,
    log,
    nameOf,
  };
  const participants = people.map(
    ({ name, role }) =>
      new Participant({ name, role, key: keys.get(name) as ReturnType<typeof keyOf>, world }),
  );
  const byName = new Map(participants.map((p) => [p.name, p]));
  for (const participant of participants) network.join(participant);

  const run = async (): Promise<SimulationReport> => {
    log({
      timeMs: 0,
      name: 'simulation',
      level: 'INFO',
      message: `seed ${o.seed}: ${o.nodes} nodes (${o.poisoners} poisoning), ${o.users} users, ${o.transactions} transactions, target length ${o.targetLength}, ${o.stakeholders} stakeholders, employer confidence ${o.employerConfidence}`,
    });
    for (const participant of participants) participant.start();

    let faultsEndMs = 0;
    for (const { node, fromMs, toMs } of o.crashes ?? []) {
      const participant = byName.get(`node-${pad(node)}`);
      assert(participant !== undefined, 'checkOptions bounds the crashed nodes');
      queue.after(fromMs, () => participant.crash());
      queue.after(toMs, () => participant.restart());
      faultsEndMs = Math.max(faultsEndMs, toMs);
    }
    for (const { fromMs, toMs } of o.partitions ?? []) {
      queue.after(fromMs, () =>
        log({
          timeMs: queue.now,
          name: 'network',
          level: 'INFO',
          message: `partition: ${[...side].join(', ')} | the rest`,
        }),
      );
      queue.after(toMs, () =>
        log({ timeMs: queue.now, name: 'network', level: 'INFO', message: 'partition heals' }),
      );
      faultsEndMs = Math.max(faultsEndMs, toMs);
    }

    const issued: Transaction[] = [];
    let attempted = 0;
    const users = participants.filter((p) => p.role === 'user');
    const draws = random.fork('transactions');
    // A transfer needs two users; with fewer, none is tried.
    const scheduled = users.length > 1 ? o.transactions : 0;
    for (let i = 0; i < scheduled; i++) {
      const atMs = draws.int(0, o.transactionWindowMs);
      const from = draws.pick(users);
      const to = draws.pick(users.filter((user) => user !== from));
      const amount = draws.int(1, 10) * COIN;
      queue.after(atMs, () => {
        attempted += 1;
        if (!from.up) return;
        const transaction = from.transfer(to.publicKey, amount);
        if (transaction !== null) issued.push(transaction);
      });
    }

    const honest = () => participants.filter((p) => p.role !== 'poisoner' && p.up);
    const agreed = () => {
      const [first, ...rest] = honest();
      return (
        first !== undefined &&
        first.chain.tip.index >= o.targetLength &&
        rest.every((p) => p.chain.tip.hash === first.chain.tip.hash)
      );
    };
    // Done when the faults are over, the users have made every transfer they were to try, and the honest
    // participants agree at the target length.
    const done = () => queue.now >= faultsEndMs && attempted === scheduled && agreed();
    while (queue.now <= o.maxTimeMs && (await queue.step())) if (done()) break;

    return report({
      o,
      participants,
      honest: honest(),
      attempted,
      issued,
      network,
      queue,
      nameOf,
      agreement: agreed(),
    });
  };
  return { queue, network, config, genesis, participants, keyOf, run };
}

function report({
  o,
  participants,
  honest,
  attempted,
  issued,
  network,
  queue,
  nameOf,
  agreement,
}: {
  o: { seed: string; stakeholders: number };
  participants: Participant[];
  honest: Participant[];
  attempted: number;
  issued: Transaction[];
  network: SimulatedNetwork<Message>;
  queue: EventQueue;
  nameOf: (publicKey: string) => string;
  agreement: boolean;
}): SimulationReport {
  const reference = honest[0] ?? participants[0];
  const blocks = reference?.chain.mainChain() ?? [];
  const { stakeholders } = o;
  // The wrapper is the last stakeholder drawn for the header from its parent's coins.
  const wrapperOf = (block: (typeof blocks)[number]) => {
    const parent = reference?.chain.stateOf(block.header.parentHash);
    const chosen = parent ? followTheCoin(parent.accounts, stakeholderSeed(block.header), stakeholders) : [];
    return nameOf(chosen.at(-1) ?? '');
  };
  const poisoners = new Set(participants.filter((p) => p.role === 'poisoner').map((p) => p.publicKey));
  const earnings: Record<string, number> = Object.fromEntries(participants.map((p) => [p.name, 0]));
  const counted = new Map<string, number>();
  for (const block of blocks) {
    const to = nameOf(block.coinbase.to);
    earnings[to] = (earnings[to] ?? 0) + block.coinbase.amount;
    for (const transaction of block.transactions) {
      const hash = transactionHash(transaction);
      counted.set(hash, (counted.get(hash) ?? 0) + 1);
    }
  }
  const pooled = new Set(honest.flatMap((p) => p.chain.pool().map(transactionHash)));
  const issuedHashes = issued.map(transactionHash);
  const inChain = issuedHashes.filter((hash) => counted.has(hash)).length;
  const pending = issuedHashes.filter((hash) => !counted.has(hash) && pooled.has(hash)).length;
  return {
    seed: o.seed,
    timeMs: queue.now,
    agreement,
    chain: blocks.map((block) => ({
      index: block.header.index,
      hash: blockHash(block),
      proposer: nameOf(block.header.publicKey),
      wrapper: wrapperOf(block),
      declarers: block.header.declarations.map((d) => nameOf(d.publicKey)),
      transactions: block.transactions.length,
      checkpointSha256: block.header.checkpointSha256,
      bytes: encodeCanonical(block as never).length,
    })),
    tips: participants.map((p) => ({
      name: p.name,
      role: p.role,
      up: p.up,
      index: p.chain.tip.index,
      hash: p.chain.tip.hash,
    })),
    finalCheckpointSha256: reference?.chain.tip.checkpointSha256 ?? '',
    transactions: {
      attempted,
      issued: issued.length,
      inChain,
      pending,
      lost: issued.length - inChain - pending,
      includedTwice: [...counted.values()].filter((n) => n > 1).length,
    },
    earnings,
    poisonerDeclarations: blocks.reduce(
      (sum, block) => sum + block.header.declarations.filter((d) => poisoners.has(d.publicKey)).length,
      0,
    ),
    messages: { ...network.counts },
  };
}

function checkOptions(o: {
  nodes: number;
  poisoners: number;
  users: number;
  transactions: number;
  targetLength: number;
  stakeholders: number;
  employerConfidence: number;
  dropRate: number;
  delayMs: { min: number; max: number };
  partitions: { fromMs: number; toMs: number }[];
  crashes: { node: number; fromMs: number; toMs: number }[];
  maxTimeMs: number;
}): void {
  const whole = (name: string, value: number, min: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new RangeError(`${name} must be a whole number from ${min} to ${max}, not ${value}`);
  };
  whole('nodes', o.nodes, 1, SIMULATION_LIMITS.nodes);
  whole('poisoners', o.poisoners, 0, o.nodes);
  whole('users', o.users, 0, SIMULATION_LIMITS.users);
  whole('transactions', o.transactions, 0, SIMULATION_LIMITS.transactions);
  whole('target length', o.targetLength, 1, SIMULATION_LIMITS.targetLength);
  whole('stakeholders', o.stakeholders, 1, o.nodes + o.users);
  whole('employer confidence', o.employerConfidence, 1, o.nodes);
  whole('maximum time', o.maxTimeMs, 1, SIMULATION_LIMITS.maxTimeMs);
  whole('minimum delay', o.delayMs.min, 0, 60_000);
  whole('maximum delay', o.delayMs.max, o.delayMs.min, 60_000);
  for (const { fromMs, toMs } of o.partitions)
    whole('a partition’s end', toMs, Math.max(0, fromMs), o.maxTimeMs);
  for (const crash of o.crashes) {
    const { node, fromMs, toMs } = crash;
    whole('a crashed node', node, 1, o.nodes);
    whole('a crash’s end', toMs, Math.max(0, fromMs), o.maxTimeMs);
    // One node's windows must not overlap: its restart would end the other crash early.
    if (
      o.crashes.some(
        (other) => other !== crash && other.node === node && other.fromMs <= toMs && fromMs <= other.toMs,
      )
    )
      throw new RangeError(`the crashes of node ${node} overlap`);
  }
  if (!(o.dropRate >= 0 && o.dropRate <= 0.5))
    throw new RangeError(`drop rate must be from 0 to 0.5, not ${o.dropRate}`);
}
