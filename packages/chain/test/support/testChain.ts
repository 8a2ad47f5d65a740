import { bytesToHex } from '@noble/hashes/utils.js';
import { keyPairFromSeed } from '@proofgrid/core';
import {
  type Accounts,
  type BlockHeader,
  type ChainConfig,
  COIN,
  coinbase,
  declarationHash,
  declareTraining,
  followTheCoin,
  hashOf,
  headerHash,
  MINIMUM_STAKE,
  merkleRoot,
  mint,
  nextStage,
  type ParentState,
  POT_DEFAULTS,
  type StageReplay,
  signAsStakeholder,
  signHeader,
  signTransaction,
  stakeholderSeed,
  type Transaction,
  transactionHash,
  type WrappedBlock,
  winsLottery,
  wrapBlock,
} from '../../src/index.ts';

// Blocks as honest (or not) nodes make them, for the tests of the rules and the fork choice.
export const config: ChainConfig = {
  modelId: 'mnist-default',
  tdCoinstake: POT_DEFAULTS.tdCoinstake,
  bhCoinstake: POT_DEFAULTS.bhCoinstake,
  employerConfidence: POT_DEFAULTS.employerConfidence,
  stakeholders: POT_DEFAULTS.stakeholders,
  minimumStake: MINIMUM_STAKE,
};
export const node = (n: number) => {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(n));
  return { secretKey: pair.secretKey, publicKey: bytesToHex(pair.publicKey) };
};
export const nodes = Array.from({ length: 5 }, (_, i) => node(i + 1));
/** The honest stage: what re-executing it gives (the `train` runtime's part, outside this pure core). */
export const honest = (stageId: string) => ({
  trainingSecret: hashOf(`secret of ${stageId}`),
  checkpointSha256: hashOf(`checkpoint of ${stageId}`),
});
export const replay: StageReplay = async ({ stageId }) => honest(stageId);

let genesisAccounts: Accounts = new Map();
for (const [i, { publicKey }] of nodes.entries())
  genesisAccounts = mint(genesisAccounts, publicKey, (i + 1) * 100 * COIN);
export const genesis: ParentState = {
  hash: '00'.repeat(32),
  index: 0,
  accounts: genesisAccounts,
  checkpointSha256: hashOf('initial'),
};

/** Draws tickets (timestamps) until `make(t)` wins at `coinstake`, as a node does once a second. */
export function mine<T>(make: (timestampMs: number) => T, hash: (value: T) => string, coinstake: bigint): T {
  for (let t = 0; ; t++) {
    const candidate = make(t);
    if (winsLottery(hash(candidate), coinstake)) return candidate;
  }
}

export function declaration(
  by: (typeof nodes)[number],
  stage: { stageId: string; trainingSecret: string; checkpointSha256: string },
) {
  return mine(
    (timestampMs) =>
      declareTraining(
        {
          modelId: config.modelId,
          stageId: stage.stageId,
          publicKey: by.publicKey,
          timestampMs,
          coinstake: config.tdCoinstake.toString(),
          checkpointSha256: stage.checkpointSha256,
        },
        { secret: stage.trainingSecret, secretKey: by.secretKey },
      ),
    declarationHash,
    config.tdCoinstake,
  );
}

/** A block on `parent` as honest nodes make it, with `change` applied to its parts before signing. */
export function makeBlock(
  parent: ParentState,
  {
    transactions = [],
    declarers = nodes.slice(0, 3),
    stage = honest(nextStage(parent, config).stageId),
    coinbaseAmount,
    skipSignature = false,
    badSignature = false,
    extraDeclarations = [],
  }: {
    transactions?: Transaction[];
    declarers?: typeof nodes;
    stage?: { trainingSecret: string; checkpointSha256: string };
    coinbaseAmount?: number;
    skipSignature?: boolean;
    /** The first stakeholder's signature is another header's (the wrapper wraps it all the same). */
    badSignature?: boolean;
    extraDeclarations?: ReturnType<typeof declaration>[];
  } = {},
): WrappedBlock {
  const { stageId } = nextStage(parent, config);
  const proposer = nodes[0] ?? node(1);
  const declarations = [
    ...declarers.map((by) => declaration(by, { stageId, ...stage })),
    ...extraDeclarations,
  ];
  const header: BlockHeader = mine(
    (timestampMs) =>
      signHeader(
        {
          parentHash: parent.hash,
          index: parent.index + 1,
          stageId,
          trainingSecret: stage.trainingSecret,
          checkpointSha256: stage.checkpointSha256,
          coinstake: config.bhCoinstake.toString(),
          publicKey: proposer.publicKey,
          timestampMs,
          declarations,
        },
        proposer.secretKey,
      ),
    headerHash,
    config.bhCoinstake,
  );
  const hash = headerHash(header);
  const chosen = followTheCoin(parent.accounts, stakeholderSeed(header), config.stakeholders).map(
    (publicKey) => nodes.find((n) => n.publicKey === publicKey) ?? node(99),
  );
  const wrapper = chosen.at(-1) ?? node(99);
  const signatures = chosen
    .slice(0, skipSignature ? -2 : -1)
    .map((signer, i) => signAsStakeholder(badSignature && i === 0 ? hashOf('another header') : hash, signer))
    .map((signature) => ({ ...signature, headerHash: hash }));
  return wrapBlock(
    {
      header,
      coinbase: { to: proposer.publicKey, amount: coinbaseAmount ?? coinbase(header.index) },
      transactions,
      transactionsRoot: merkleRoot(transactions.map(transactionHash)),
      stakeholderSignatures: signatures,
    },
    wrapper.secretKey,
  );
}

export const pay = (
  from: (typeof nodes)[number],
  to: (typeof nodes)[number],
  amount: number,
  nonce: number,
) => signTransaction({ from: from.publicKey, to: to.publicKey, amount, fee: 10, nonce }, from.secretKey);
