import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type Accounts,
  type ChainConfig,
  COIN,
  hashOf,
  MINIMUM_STAKE,
  type ParentState,
  type Timing,
} from '@proofgrid/chain';
import { keyPairFromSeed, ProofGridError } from '@proofgrid/core';
import { DEFAULT_TRAINING_SPEC, parseTrainingSpec, type TrainingSpec } from '@proofgrid/runtime/train';

/**
 * What a network agrees on before its first block: its name, the protocol's stakes and quorums, the
 * clocks its nodes keep, who holds the first coins, and the default training job (seed 003's MNIST model,
 * trained whenever no job is queued). Every node of a network starts from the same file.
 */
export type Genesis = {
  networkId: string;
  /** Lottery stakes as decimal strings: a hash wins with at least 256 − log2(stake) leading zero bits. */
  tdCoinstake: string;
  bhCoinstake: string;
  employerConfidence: number;
  stakeholders: number;
  /** Micro-coins a key must hold for its declarations and headers to count. */
  minimumStake: number;
  /** One lottery ticket (declaration or header) per try. */
  tryIntervalMs: number;
  headerTimeoutMs: number;
  statusIntervalMs: number;
  /** Micro-coins per address (64 hex characters, an Ed25519 public key). */
  allocations: { address: string; amount: number }[];
  training: TrainingSpec;
};

/** Allocations a genesis may list, at most. */
export const ALLOCATIONS_MAX = 10_000;
/**
 * Dev keys the embedded network funds: the CurveTime README's three nodes. Only these mine; more nodes
 * on the dev network sync and verify. (Follow-the-coin draws stakeholders from every coin holder, so a
 * funded key that runs no node would stall the blocks it is drawn for until the header times out.)
 */
export const DEV_KEYS = 3;

/**
 * Key `i` of the embedded development network. Its secret is public (derived from a fixed string): the dev
 * network is for trying ProofGrid on one machine, never for value.
 */
export function devKey(i: number): { publicKey: string; secretKey: Uint8Array } {
  const pair = keyPairFromSeed(sha256(utf8ToBytes(`proofgrid.dev-network.key:${i}`)));
  return { publicKey: bytesToHex(pair.publicKey), secretKey: pair.secretKey };
}

/**
 * The embedded development network (`proofgrid node start` with no `--genesis`): dev keys 0–2 hold 1,000
 * coins each, and a node on port 8000 + i mines with dev key i. Two declarations and two stakeholders per
 * block, and a lottery won about every other try, so three nodes on one machine make a block a second or
 * two.
 */
export function devGenesis(): Genesis {
  return {
    networkId: 'proofgrid-dev',
    tdCoinstake: (2n ** 255n).toString(),
    bhCoinstake: (2n ** 255n).toString(),
    employerConfidence: 2,
    stakeholders: 2,
    minimumStake: MINIMUM_STAKE,
    tryIntervalMs: 250,
    headerTimeoutMs: 4_000,
    statusIntervalMs: 2_000,
    allocations: Array.from({ length: DEV_KEYS }, (_, i) => ({
      address: devKey(i).publicKey,
      amount: 1_000 * COIN,
    })),
    training: DEFAULT_TRAINING_SPEC,
  };
}

const invalid = (what: string): never => {
  throw new ProofGridError('INVALID_GENESIS', {
    shortMessage: `The genesis file is invalid: ${what}.`,
    details: 'Start from `proofgrid node genesis` (the dev network’s) and change the allocations and stakes.',
  });
};

/**
 * Checks a genesis (parsed JSON) and returns it typed.
 *
 * @throws INVALID_GENESIS naming the field and what it may be
 */
export function parseGenesis(value: unknown): Genesis {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid('it is not an object');
  const g = value as Record<string, unknown>;
  const known = Object.keys(devGenesis());
  for (const key of Object.keys(g)) if (!known.includes(key)) invalid(`field "${key}" is unknown`);
  const integer = (field: string, min: number, max: number): number => {
    const v = g[field];
    return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : invalid(`${field} must be a whole number from ${min} to ${max}`);
  };
  const stake = (field: string): string => {
    const v = g[field];
    if (typeof v !== 'string' || !/^[1-9][0-9]{0,77}$/.test(v) || BigInt(v) > 2n ** 256n)
      invalid(`${field} must be a decimal string from 1 to 2^256`);
    return v as string;
  };
  if (typeof g.networkId !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(g.networkId))
    invalid('networkId must be 1 to 64 lowercase letters, digits, dots, dashes or underscores');
  if (!Array.isArray(g.allocations) || g.allocations.length < 1 || g.allocations.length > ALLOCATIONS_MAX)
    invalid(`allocations must list 1 to ${ALLOCATIONS_MAX} addresses`);
  const seen = new Set<string>();
  const allocations = (g.allocations as unknown[]).map((raw, i) => {
    const a = raw as Record<string, unknown>;
    if (typeof a?.address !== 'string' || !/^[0-9a-f]{64}$/.test(a.address))
      invalid(`allocations[${i}].address must be 64 lowercase hex characters (an Ed25519 public key)`);
    if (!Number.isSafeInteger(a.amount) || (a.amount as number) <= 0)
      invalid(`allocations[${i}].amount must be a whole number of micro-coins above 0`);
    if (seen.has(a.address as string)) invalid(`allocations[${i}] repeats address ${a.address}`);
    seen.add(a.address as string);
    return { address: a.address as string, amount: a.amount as number };
  });
  let training: TrainingSpec;
  try {
    training = parseTrainingSpec(g.training);
  } catch (error) {
    return invalid(`training: ${(error as Error).message}`);
  }
  return {
    networkId: g.networkId as string,
    tdCoinstake: stake('tdCoinstake'),
    bhCoinstake: stake('bhCoinstake'),
    employerConfidence: integer('employerConfidence', 1, 64),
    stakeholders: integer('stakeholders', 1, 64),
    minimumStake: integer('minimumStake', 1, Number.MAX_SAFE_INTEGER),
    tryIntervalMs: integer('tryIntervalMs', 10, 60_000),
    headerTimeoutMs: integer('headerTimeoutMs', 100, 600_000),
    statusIntervalMs: integer('statusIntervalMs', 100, 600_000),
    allocations,
    training,
  };
}

/** The rules, clocks and first state a genesis gives, with its hash (which names the network's gossip). */
export function chainOfGenesis(
  genesis: Genesis,
  initialCheckpointSha256: string,
): { config: ChainConfig; timing: Timing; state: ParentState } {
  const accounts: Accounts = new Map(
    genesis.allocations.map(({ address, amount }) => [address, { balance: amount, nonce: 0 }]),
  );
  const hash = hashOf({
    networkId: genesis.networkId,
    tdCoinstake: genesis.tdCoinstake,
    bhCoinstake: genesis.bhCoinstake,
    employerConfidence: genesis.employerConfidence,
    stakeholders: genesis.stakeholders,
    minimumStake: genesis.minimumStake,
    allocations: genesis.allocations.map(({ address, amount }) => [address, amount]),
    checkpointSha256: initialCheckpointSha256,
  });
  return {
    config: {
      modelId: genesis.networkId,
      tdCoinstake: BigInt(genesis.tdCoinstake),
      bhCoinstake: BigInt(genesis.bhCoinstake),
      employerConfidence: genesis.employerConfidence,
      stakeholders: genesis.stakeholders,
      minimumStake: genesis.minimumStake,
    },
    timing: {
      tryIntervalMs: genesis.tryIntervalMs,
      // A real node's stage takes what training takes; the protocol adds no wait of its own.
      stageTimeMs: 0,
      headerTimeoutMs: genesis.headerTimeoutMs,
      statusIntervalMs: genesis.statusIntervalMs,
    },
    state: { hash, index: 0, accounts, checkpointSha256: initialCheckpointSha256 },
  };
}
