import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChainStore,
  COIN,
  createSimulation,
  hashOf,
  type Message,
  type StageTrainer,
  selectTransactions,
  simulate,
  transactionHash,
} from '../src/index.ts';
import { EventQueue } from '../src/simulation/EventQueue.ts';
import { Random } from '../src/simulation/random.ts';
import { config, genesis, makeBlock, nodes, pay, replay } from './support/testChain.ts';

const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];

/**
 * A stage as a hash of its parent (and of the poison): deterministic like the `train` runtime, and free,
 * so that many seeded scenarios run in seconds. The root test suite runs the simulator on real training.
 */
const hashTrainer: StageTrainer = async ({ stageId, parentCheckpointSha256, poisoned }) => ({
  trainingSecret: hashOf(['secret', stageId, parentCheckpointSha256, poisoned]),
  checkpointSha256: hashOf(['checkpoint', stageId, parentCheckpointSha256, poisoned]),
});

describe('the simulator’s parts', () => {
  it('runs events in time order, and those of one millisecond in the order they were scheduled', async () => {
    const queue = new EventQueue();
    const ran: string[] = [];
    queue.after(20, () => void ran.push(`b@${queue.now}`));
    queue.after(10, () => {
      ran.push(`a@${queue.now}`);
      queue.after(10, () => void ran.push(`c@${queue.now}`));
    });
    queue.after(20, () => void ran.push(`d@${queue.now}`));
    while (await queue.step());
    assert.deepEqual(ran, ['a@10', 'b@20', 'd@20', 'c@20']);
  });

  it('draws the same numbers from the same seed, and independent streams from forks', () => {
    const draw = (random: Random) => Array.from({ length: 5 }, () => random.int(0, 1000));
    assert.deepEqual(draw(new Random('7')), draw(new Random('7')));
    assert.notDeepEqual(draw(new Random('7')), draw(new Random('8')));
    assert.notDeepEqual(draw(new Random('7').fork('network')), draw(new Random('7').fork('genesis')));
  });

  it('puts in a block each sender’s transfers by nonce, leaving out what cannot apply yet', () => {
    const second = pay(a, b, COIN, 2);
    const first = pay(a, b, COIN, 1);
    const gap = pay(b, c, COIN, 2);
    const overspend = pay(c, a, 10_000 * COIN, 1);
    const chosen = selectTransactions([second, gap, overspend, first], genesis.accounts, {
      feeTo: c.publicKey,
    });
    assert.deepEqual(chosen.map(transactionHash), [first, second].map(transactionHash));
  });

  it('drops from the pool the other spend of a double spend once one is mined', async () => {
    const store = new ChainStore({ genesis, config, replay });
    const one = pay(a, b, COIN, 1);
    const other = pay(a, c, COIN, 1);
    assert.equal(store.addTransaction(one), true);
    assert.equal(store.addTransaction(other), true, 'both wait: either could be mined');
    assert.equal((await store.add(makeBlock(genesis, { transactions: [one] }))).outcome, 'accepted');
    assert.deepEqual(store.pool(), [], 'the other can never be mined');
  });
});

describe('seeded fault scenarios (a small VOPR: drops, delays, partitions, crashes, poisoners from one seed)', () => {
  for (const seed of ['1', '2', '3', '4']) {
    it(`seed ${seed}: the honest participants converge, every transfer counted once, no poisoned declaration`, async () => {
      const random = new Random(`scenario:${seed}`);
      const faults = {
        dropRate: random.int(0, 20) / 100,
        delayMs: { min: random.int(0, 50), max: random.int(100, 1500) },
        partitions: [{ fromMs: random.int(0, 20_000), toMs: random.int(30_000, 90_000) }],
        crashes: [
          { node: random.int(1, 8), fromMs: random.int(0, 30_000), toMs: random.int(40_000, 100_000) },
        ],
        poisoners: random.int(0, 3),
      };
      const report = await simulate({
        seed,
        trainer: hashTrainer,
        initialCheckpointSha256: hashOf('initial'),
        ...faults,
      });
      const context = JSON.stringify(faults);
      assert.equal(report.agreement, true, context);
      assert.equal(report.chain.length, 6, context);
      assert.equal(report.transactions.lost, 0, context);
      assert.equal(report.transactions.includedTwice, 0, context);
      assert.equal(report.poisonerDeclarations, 0, context);
      let checkpoint = hashOf('initial');
      for (const block of report.chain) {
        checkpoint = (
          await hashTrainer({
            stageId: `mnist-default:${block.index - 1}`,
            parentCheckpointSha256: checkpoint,
            poisoned: false,
          })
        ).checkpointSha256;
        assert.equal(block.checkpointSha256, checkpoint, `block #${block.index} carries the honest stage`);
      }
    });
  }
});

describe('what a node does with input it cannot use', () => {
  it('drops a malformed block and keeps going: a fraction, a missing field, a field of another type', async () => {
    const store = new ChainStore({ genesis, config, replay });
    const block = makeBlock(genesis);
    const malformed = await store.add({ ...block, coinbase: { ...block.coinbase, amount: 0.5 } });
    assert.equal(malformed.outcome, 'dropped');
    assert.match(
      malformed.outcome === 'dropped' ? malformed.reason : '',
      /malformed: block.coinbase.amount is not a whole number/,
    );
    const { declarations: _declarations, ...headerWithout } = block.header;
    for (const [junk, reason] of [
      [{ transactions: [] }, /block.header is not an object/],
      [{ ...block, header: headerWithout }, /block.header.declarations is not a list/],
      [
        { ...block, header: { ...block.header, parentHash: 'ee'.repeat(32), declarations: 'x' } },
        /is not a list/,
      ],
      [{ ...block, transactions: [{ ...pay(a, b, COIN, 1), nonce: null }] }, /transactions\[0\].nonce/],
      [null, /block is not an object/],
      [{ ...block, extra: undefined }, /block has a field "extra" it should not/],
      [
        { ...block, transactions: Array.from({ length: 1001 }, () => pay(a, b, COIN, 1)) },
        /block.transactions has 1001 items, at most 1000 are taken/,
      ],
      [{ ...block, coinbase: { ...block.coinbase, toString: 1 } }, /block.coinbase has a field "toString"/],
    ] as const) {
      const outcome = await store.add(junk as never);
      assert.equal(outcome.outcome, 'dropped');
      assert.match(outcome.outcome === 'dropped' ? outcome.reason : '', reason);
    }
    assert.equal(store.addTransaction({ ...pay(a, b, COIN, 1), amount: 1.5 }), false);
    assert.equal((await store.add(block)).outcome, 'accepted');
  });

  it('leaves a block unjudged — not refused, not remembered — when it cannot re-execute the stage', async () => {
    let failing = true;
    const store = new ChainStore({
      genesis,
      config,
      replay: async (stage) => {
        if (failing) throw new Error('TRAIN_ENVIRONMENT_MISMATCH: another backend');
        return replay(stage);
      },
    });
    const block = makeBlock(genesis);
    const first = await store.add(block);
    assert.equal(first.outcome, 'unjudged');
    assert.match(
      first.outcome === 'unjudged' ? first.reason : '',
      /cannot re-execute the stage: .*another backend/,
    );
    assert.equal(store.tip.index, 0);
    failing = false;
    assert.equal((await store.add(block)).outcome, 'accepted', 'judged once it can be');
  });

  it('survives malformed messages on the simulated network, and a stage no node can re-execute', async () => {
    const lines: string[] = [];
    const sim = createSimulation({
      seed: '5',
      // Stage 2 cannot be trained or re-executed here (another environment, a lost checkpoint).
      trainer: async (stage) => {
        if (stage.stageId.endsWith(':2')) throw new Error('no such backend');
        return hashTrainer(stage);
      },
      initialCheckpointSha256: hashOf('initial'),
      maxTimeMs: 120_000,
      log: ({ name, level, message }) => lines.push(`${name} ${level} ${message}`),
    });
    const junk = [
      { type: 'transaction', transaction: { ...pay(a, b, COIN, 1), amount: 1.5 } },
      { type: 'declaration', declaration: { timestampMs: 0.5 } },
      { type: 'header', header: { index: Number.NaN } },
      { type: 'signature', signature: { headerHash: 1.5 } },
      { type: 'block', block: { header: { timestampMs: 0.25 } } },
      { type: 'block', block: { transactions: [] } },
      { type: 'header', header: { parentHash: hashOf('genesis'), index: 1, stageId: 'mnist-default:0' } },
      { type: 'header', header: null },
      { type: 'status', tipHash: 7, index: 'x' },
      { type: 'getBlock', hash: null },
    ];
    for (const message of junk)
      sim.queue.after(0, () => sim.network.broadcast('mallory', message as unknown as Message));
    const report = await sim.run();
    assert.equal(report.agreement, false, 'the chain cannot pass stage 2 here');
    assert.ok(
      report.tips.every((t) => t.index === 2),
      'every participant stopped at block 2, none crashed',
    );
    assert.ok(lines.some((l) => / WARNING cannot train stage mnist-default:2: .*no such backend/.test(l)));
    assert.ok(!lines.some((l) => / INFO refuses /.test(l)), 'no one was blamed for it');
  });
});
