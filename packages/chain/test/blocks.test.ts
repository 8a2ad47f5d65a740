import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyBlock,
  COIN,
  coinbase,
  followTheCoin,
  hashOf,
  headerHash,
  signHeader,
  stageIdOf,
  stakeholderSeed,
  type WrappedBlock,
  winsLottery,
} from '../src/index.ts';
import {
  config,
  declaration,
  genesis,
  honest,
  makeBlock,
  node,
  nodes,
  pay,
  replay,
} from './support/testChain.ts';

describe('chain blocks', () => {
  it('accepts an honest block: its author gets the coinbase, the wrapper the fees, the transfers move', async () => {
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const block = makeBlock(genesis, { transactions: [pay(b, c, 5 * COIN, 1), pay(b, c, 1 * COIN, 2)] });
    assert.equal(block.header.publicKey, a.publicKey, 'makeBlock proposes as the first node');
    const applied = await applyBlock(block, genesis, config, replay);
    assert.ok(applied.ok, applied.ok ? '' : applied.reason);
    const expected = new Map([...genesis.accounts].map(([address, { balance }]) => [address, balance]));
    const move = (address: string, amount: number) =>
      expected.set(address, (expected.get(address) ?? 0) + amount);
    move(a.publicKey, coinbase(1));
    move(b.publicKey, -6 * COIN - 20);
    move(c.publicKey, 6 * COIN);
    move(wrapperOf(block), 20);
    for (const [address, balance] of expected)
      assert.equal(applied.state.accounts.get(address)?.balance ?? 0, balance, address.slice(0, 8));
    assert.equal(applied.state.accounts.get(b.publicKey)?.nonce, 2);
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
            declaration(
              { ...(nodes[3] ?? a), publicKey: nodes[4]?.publicKey ?? '' },
              { stageId: stageIdOf(config, 1), ...honest(stageIdOf(config, 1)) },
            ),
          ],
        }),
        /does not count: its signature is not its key/,
      ],
      [
        'a node declaring twice',
        makeBlock(genesis, { declarers: [nodes[0] ?? a, nodes[0] ?? a, nodes[1] ?? a, nodes[2] ?? a] }),
        /two declarations of/,
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
        'a stakeholder signature that is not its key’s over this header',
        makeBlock(genesis, { badSignature: true }),
        /1 valid signatures of the 2 chosen stakeholders/,
      ],
      [
        'declarations of keys that hold no stake (a quorum of fresh keys)',
        makeBlock(genesis, { declarers: [nodes[0] ?? a, node(41), node(42)] }),
        /its key holds less than the minimum stake/,
      ],
      [
        'a header whose author did not declare the stage',
        makeBlock(genesis, { declarers: nodes.slice(1, 4) }),
        /did not declare the stage/,
      ],
      [
        'more declarations than a header may carry',
        makeBlock(genesis, {
          extraDeclarations: Array.from({ length: 62 }, (_, i) =>
            declaration(node(100 + i), { stageId: stageIdOf(config, 1), ...honest(stageIdOf(config, 1)) }),
          ),
        }),
        /header.declarations has 65 items, at most 64 are taken/,
      ],
      [
        'a declaration replayed from another stage',
        makeBlock(genesis, {
          extraDeclarations: [
            declaration(nodes[3] ?? a, { stageId: stageIdOf(config, 2), ...honest(stageIdOf(config, 1)) }),
          ],
        }),
        /a declaration is for stage mnist-default:1/,
      ],
      [
        'a coinbase above the formula',
        makeBlock(genesis, { coinbaseAmount: coinbase(1) + 1 }),
        /its coinbase is/,
      ],
      [
        'a double spend',
        makeBlock(genesis, { transactions: [pay(b, a, 150 * COIN, 1), pay(b, a, 150 * COIN, 2)] }),
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

/** The wrapper of a block: the last stakeholder follow-the-coin draws for its header. */
function wrapperOf(block: WrappedBlock): string {
  return followTheCoin(genesis.accounts, stakeholderSeed(block.header), config.stakeholders).at(-1) ?? '';
}
