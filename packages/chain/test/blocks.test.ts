import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { keyPairFromSeed } from '@proofgrid/core';
import {
  type Accounts,
  applyBlock,
  type BlockHeader,
  type ChainConfig,
  COIN,
  coinbase,
  declarationHash,
  declareTraining,
  followTheCoin,
  hashOf,
  headerHash,
  merkleRoot,
  mint,
  type ParentState,
  POT_DEFAULTS,
  type StageReplay,
  signAsStakeholder,
  signHeader,
  signTransaction,
  stageIdOf,
  type Transaction,
  transactionHash,
  type WrappedBlock,
  winsLottery,
  wrapBlock,
} from '../src/index.ts';

const config: ChainConfig = {
  modelId: 'mnist-default',
  tdCoinstake: POT_DEFAULTS.tdCoinstake,
  bhCoinstake: POT_DEFAULTS.bhCoinstake,
  employerConfidence: POT_DEFAULTS.employerConfidence,
  stakeholders: POT_DEFAULTS.stakeholders,
};
const node = (n: number) => {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(n));
  return { secretKey: pair.secretKey, publicKey: bytesToHex(pair.publicKey) };
};
const nodes = Array.from({ length: 5 }, (_, i) => node(i + 1));
/** The honest stage: what re-executing it gives (the `train` runtime's part, outside this pure core). */
const honest = (stageId: string) => ({
  trainingSecret: hashOf(`secret of ${stageId}`),
  checkpointSha256: hashOf(`checkpoint of ${stageId}`),
});
const replay: StageReplay = async ({ stageId }) => honest(stageId);

let genesisAccounts: Accounts = new Map();
for (const [i, { publicKey }] of nodes.entries())
  genesisAccounts = mint(genesisAccounts, publicKey, (i + 1) * 100 * COIN);
const genesis: ParentState = {
  hash: '00'.repeat(32),
  index: 0,
  accounts: genesisAccounts,
  checkpointSha256: hashOf('initial'),
};

/** Draws tickets (timestamps) until `make(t)` wins at `coinstake`, as a node does once a second. */
function mine<T>(make: (timestampMs: number) => T, hash: (value: T) => string, coinstake: bigint): T {
  for (let t = 0; ; t++) {
    const candidate = make(t);
    if (winsLottery(hash(candidate), coinstake)) return candidate;
  }
}

function declaration(
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
function makeBlock(
  parent: ParentState,
  {
    transactions = [],
    declarers = nodes.slice(0, 3),
    stage = honest(stageIdOf(config, parent.index + 1)),
    coinbaseAmount,
    skipSignature = false,
    extraDeclarations = [],
  }: {
    transactions?: Transaction[];
    declarers?: typeof nodes;
    stage?: { trainingSecret: string; checkpointSha256: string };
    coinbaseAmount?: number;
    skipSignature?: boolean;
    extraDeclarations?: ReturnType<typeof declaration>[];
  } = {},
): WrappedBlock {
  const stageId = stageIdOf(config, parent.index + 1);
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
  const chosen = followTheCoin(parent.accounts, hash, config.stakeholders).map(
    (publicKey) => nodes.find((n) => n.publicKey === publicKey) ?? node(99),
  );
  const wrapper = chosen.at(-1) ?? node(99);
  const signatures = chosen
    .slice(0, skipSignature ? -2 : -1)
    .map((signer) => signAsStakeholder(hash, signer));
  return wrapBlock(
    {
      header,
      coinbase: { to: wrapper.publicKey, amount: coinbaseAmount ?? coinbase(header.index) },
      transactions,
      transactionsRoot: merkleRoot(transactions.map(transactionHash)),
      stakeholderSignatures: signatures,
    },
    wrapper.secretKey,
  );
}

const pay = (from: (typeof nodes)[number], to: (typeof nodes)[number], amount: number, nonce: number) =>
  signTransaction({ from: from.publicKey, to: to.publicKey, amount, fee: 10, nonce }, from.secretKey);

describe('chain blocks', () => {
  it('accepts an honest block: the wrapper gets the coinbase and the fees, the transfers move', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const block = makeBlock(genesis, { transactions: [pay(a, b, 5 * COIN, 1), pay(a, b, 1 * COIN, 2)] });
    const applied = await applyBlock(block, genesis, config, replay);
    assert.ok(applied.ok, applied.ok ? '' : applied.reason);
    const wrapper = block.coinbase.to;
    const before = genesis.accounts.get(wrapper)?.balance ?? 0;
    const expectedWrapper =
      before +
      coinbase(1) +
      20 +
      (wrapper === a.publicKey ? -6 * COIN - 20 : 0) +
      (wrapper === b.publicKey ? 6 * COIN : 0);
    assert.equal(applied.state.accounts.get(wrapper)?.balance, expectedWrapper);
    assert.equal(applied.state.accounts.get(a.publicKey)?.nonce, 2);
    assert.equal(applied.state.index, 1);
    // And the next block builds on it.
    const next = await applyBlock(makeBlock(applied.state), applied.state, config, replay);
    assert.ok(next.ok, next.ok ? '' : next.reason);
  });

  it('refuses each broken rule, saying which', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const honestBlock = makeBlock(genesis);
    const cases: [string, WrappedBlock, RegExp][] = [
      [
        'too few declarations',
        makeBlock(genesis, { declarers: nodes.slice(0, 2) }),
        /declarations of 2 distinct nodes, at least 3/,
      ],
      [
        'a poisoner’s declaration (another loss trajectory, so another secret)',
        makeBlock(genesis, {
          extraDeclarations: [
            declaration(nodes[3] ?? a, {
              stageId: stageIdOf(config, 1),
              trainingSecret: hashOf('poisoned'),
              checkpointSha256: honest(stageIdOf(config, 1)).checkpointSha256,
            }),
          ],
        }),
        /does not commit to the revealed secret/,
      ],
      [
        'a forged declaration (another node’s key on it)',
        makeBlock(genesis, {
          extraDeclarations: [
            {
              ...declaration(nodes[3] ?? a, {
                stageId: stageIdOf(config, 1),
                ...honest(stageIdOf(config, 1)),
              }),
              publicKey: nodes[4]?.publicKey ?? '',
            },
          ],
        }),
        /does not count: its signature is not its key/,
      ],
      [
        'a header that does not win',
        (() => {
          for (let t = 0; ; t++) {
            const { signature: _signature, ...body } = honestBlock.header;
            const header = signHeader({ ...body, timestampMs: 10_000 + t }, (nodes[0] ?? a).secretKey);
            if (!winsLottery(headerHash(header), config.bhCoinstake)) return { ...honestBlock, header };
          }
        })(),
        /does not win the lottery/,
      ],
      [
        'a missing stakeholder signature',
        makeBlock(genesis, { skipSignature: true }),
        /valid signatures of the 2 chosen stakeholders/,
      ],
      [
        'a coinbase above the formula',
        makeBlock(genesis, { coinbaseAmount: coinbase(1) + 1 }),
        /its coinbase is/,
      ],
      [
        'a double spend',
        makeBlock(genesis, { transactions: [pay(a, b, 60 * COIN, 1), pay(a, b, 60 * COIN, 2)] }),
        /needs/,
      ],
      [
        'a reused nonce',
        makeBlock(genesis, { transactions: [pay(a, b, COIN, 1), pay(a, b, COIN, 1)] }),
        /next nonce is 2/,
      ],
      [
        'a transfer with a bad signature',
        makeBlock(genesis, { transactions: [{ ...pay(a, b, COIN, 1), to: (nodes[2] ?? b).publicKey }] }),
        /not the sender/,
      ],
      [
        'a checkpoint its stage does not reach',
        makeBlock(genesis, {
          stage: { ...honest(stageIdOf(config, 1)), checkpointSha256: hashOf('forged') },
        }),
        /re-executing its stage/,
      ],
      ['a block on another parent', makeBlock({ ...genesis, hash: '11'.repeat(32) }), /its parent/],
    ];
    for (const [name, block, reason] of cases) {
      const applied = await applyBlock(block, genesis, config, replay);
      assert.equal(applied.ok, false, name);
      assert.match(applied.ok ? '' : applied.reason, reason, name);
    }
  });
});
