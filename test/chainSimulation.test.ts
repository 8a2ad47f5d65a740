import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BlockHeader,
  blockHash,
  COIN,
  coinbase,
  createSimulation,
  declarationHash,
  declareTraining,
  followTheCoin,
  headerHash,
  type LogRecord,
  merkleRoot,
  type Simulation,
  type SimulationOptions,
  signAsStakeholder,
  signHeader,
  signTransaction,
  simulate,
  stageIdOf,
  stakeholderSeed,
  type Transaction,
  transactionHash,
  winsLottery,
  wrapBlock,
} from '@proofgrid/chain';
import { DEFAULT_TRAINING_SPEC, StageCache } from '@proofgrid/runtime/train';

// Seed 003's scenario on the simulator with the real `train` runtime: the attacks the seed only claims,
// shown. One cache of stages serves every run (a stage is deterministic: training it twice is waste).
const stages = await StageCache.create(DEFAULT_TRAINING_SPEC);
const base = {
  trainer: (stage: Parameters<SimulationOptions['trainer']>[0]) => stages.train(stage),
  initialCheckpointSha256: stages.initialSha256,
};

async function run(options: Partial<SimulationOptions> = {}) {
  const lines: LogRecord[] = [];
  const report = await simulate({ seed: '42', ...base, ...options, log: (record) => lines.push(record) });
  return { report, lines };
}

const honestNames = (report: Awaited<ReturnType<typeof run>>['report']) =>
  report.tips.filter((t) => t.role !== 'poisoner').map((t) => t.name);

describe('chain simulate: seed 003 on a simulated network', () => {
  it('reaches the target length with every honest node on one tip, the seed’s rules holding, and the same seed gives the same run', async () => {
    const first = await run();
    const { report } = first;
    assert.equal(report.agreement, true);
    assert.equal(report.chain.length, 6);
    assert.deepEqual(
      report.chain.map((b) => b.index),
      [1, 2, 3, 4, 5, 6],
    );
    for (const block of report.chain) assert.ok(block.declarers.length >= 3, 'employer confidence: 3 TDs');
    assert.equal(
      Object.values(report.earnings).reduce((sum, n) => sum + n, 0),
      [1, 2, 3, 4, 5, 6].reduce((sum, n) => sum + coinbase(n), 0),
      'the coinbases are the formula, nothing more',
    );
    assert.equal(report.transactions.attempted, 100);
    assert.equal(report.transactions.lost, 0);
    assert.equal(report.transactions.includedTwice, 0);
    assert.equal(report.transactions.inChain + report.transactions.pending, report.transactions.issued);
    assert.ok(report.transactions.inChain > 50, `${report.transactions.inChain} transfers mined`);
    assert.ok(
      first.lines.some((l) => l.level === 'INFO') && first.lines.some((l) => l.level === 'DEBUG'),
      'both levels are logged',
    );

    const again = await run();
    assert.deepEqual(again.report, report, 'the same seed gives the same report');
    assert.deepEqual(again.lines, first.lines, 'and the same log, line for line');

    const other = await run({ seed: '7' });
    assert.equal(other.report.agreement, true);
    assert.notEqual(other.report.chain[0]?.hash, report.chain[0]?.hash, 'another seed, other blocks');
    assert.equal(
      other.report.finalCheckpointSha256,
      report.finalCheckpointSha256,
      'but the same model: who mines a stage does not change what it trains',
    );
  });

  it('refuses poisoned training: a poisoner’s declarations never count, it earns nothing and the model is bit-identical to the honest one', async () => {
    const honest = await run();
    let proposedByPoisoners = 0;
    for (const poison of ['flip-labels', 'append-mislabeled'] as const) {
      const poisonedStages = await StageCache.create(DEFAULT_TRAINING_SPEC, { poison });
      const lines: LogRecord[] = [];
      const report = await simulate({
        seed: '42',
        poisoners: 3,
        trainer: (stage) => poisonedStages.train(stage),
        initialCheckpointSha256: poisonedStages.initialSha256,
        log: (record) => lines.push(record),
      });
      assert.equal(report.agreement, true, poison);
      assert.equal(report.poisonerDeclarations, 0);
      for (const name of ['node-09', 'node-10', 'node-11']) {
        assert.equal(report.earnings[name], 0, `${name} earns nothing`);
        assert.equal(report.tips.find((t) => t.name === name)?.role, 'poisoner');
      }
      assert.equal(report.finalCheckpointSha256, honest.report.finalCheckpointSha256, poison);
      // Three poisoners are a quorum among themselves: they proposed headers, and no honest node signed one.
      const poisonedHeaders = lines.flatMap((l) => {
        const match = /^broadcasts BH ([0-9a-f]{8})/.exec(l.message);
        return match && /^node-(09|10|11)$/.test(l.name) ? [match[1]] : [];
      });
      proposedByPoisoners += poisonedHeaders.length;
      for (const hash of poisonedHeaders)
        assert.ok(
          !lines.some((l) => !/^node-(09|10|11)$/.test(l.name) && l.message.startsWith(`signs BH ${hash}`)),
          `no honest participant signed the poisoned header ${hash}`,
        );
    }
    assert.ok(proposedByPoisoners > 0, 'the poisoners proposed headers');
  });

  it('with a majority of poisoners (the seed’s 51% case): honest nodes never take a poisoned block; they keep going while 3 of them remain, and stall — safely — when fewer do', async () => {
    const honest = await run();
    const six = await run({ poisoners: 6 });
    assert.equal(six.report.agreement, true, '5 honest nodes still make the quorum of 3');
    assert.equal(six.report.finalCheckpointSha256, honest.report.finalCheckpointSha256);
    assert.equal(six.report.poisonerDeclarations, 0);
    const poisoners = new Set(six.report.tips.filter((t) => t.role === 'poisoner').map((t) => t.name));
    assert.ok(
      six.lines.some(
        (l) =>
          !poisoners.has(l.name) && /^refuses BH [0-9a-f]{8} from node-.*does not re-execute/.test(l.message),
      ),
      'honest participants re-executed the poisoners’ headers and refused them',
    );
    for (const name of poisoners) assert.equal(six.report.earnings[name], 0, `${name} earns nothing`);
    const honestNodes = six.report.tips.filter((t) => t.role === 'honest').map((t) => t.name);
    assert.equal(
      honestNodes.reduce((sum, name) => sum + (six.report.earnings[name] ?? 0), 0),
      [1, 2, 3, 4, 5, 6].reduce((sum, n) => sum + coinbase(n), 0),
      'every coinbase went to an honest node whose training won the block',
    );

    const nine = await run({ poisoners: 9, maxTimeMs: 300_000 });
    assert.equal(nine.report.agreement, false, 'two honest nodes cannot make a quorum: no progress');
    for (const tip of nine.report.tips.filter((t) => t.role !== 'poisoner'))
      assert.equal(tip.index, 0, `${tip.name} took no block: the poisoners' chain is refused`);
    assert.equal(nine.report.transactions.lost, 0, 'the transfers wait in the pools');
  });

  it('heals a partition to one chain with no accepted transfer lost or counted twice', async () => {
    // One stakeholder per block: with three drawn by coins, the side holding less stake seldom completes a
    // block while cut off (stake keeps it from forking); with one, both sides grow — the harder heal.
    const { report, lines } = await run({ stakeholders: 1, partitions: [{ fromMs: 5_000, toMs: 120_000 }] });
    assert.ok(report.messages.partitioned > 0);
    assert.equal(report.agreement, true);
    assert.equal(report.transactions.lost, 0);
    assert.equal(report.transactions.includedTwice, 0);
    // Both sides grew a branch: two blocks of one height were accepted as tips.
    const tipsByHeight = new Map<string, Set<string>>();
    for (const { message } of lines) {
      const match = /accepts block #(\d+) ([0-9a-f]{8}); tip/.exec(message);
      if (match)
        tipsByHeight.set(match[1] ?? '', (tipsByHeight.get(match[1] ?? '') ?? new Set()).add(match[2] ?? ''));
    }
    assert.ok(
      [...tipsByHeight.values()].some((hashes) => hashes.size > 1),
      'the two sides grew two branches before healing',
    );
  });

  it('brings crashed nodes back with nothing but their keys, and they catch up', async () => {
    const { report, lines } = await run({
      crashes: [
        { node: 1, fromMs: 3_000, toMs: 50_000 },
        { node: 2, fromMs: 10_000, toMs: 80_000 },
      ],
    });
    assert.equal(report.agreement, true);
    for (const name of ['node-01', 'node-02']) {
      const tip = report.tips.find((t) => t.name === name);
      assert.equal(tip?.up, true);
      assert.equal(tip?.index, 6, `${name} caught up`);
      assert.ok(lines.some((l) => l.name === name && l.message === 'crashes'));
    }
  });

  it('loses one message in five and still converges', async () => {
    const { report } = await run({ dropRate: 0.2 });
    assert.ok(report.messages.dropped > 0);
    assert.equal(report.agreement, true);
    assert.equal(report.transactions.lost, 0);
  });

  it('refuses forged messages at every honest node, each with its reason', async () => {
    const lines: LogRecord[] = [];
    const sim = createSimulation({ seed: '42', ...base, log: (record) => lines.push(record) });
    const forged = await forgeries(sim);
    for (const { block } of forged.blocks)
      sim.queue.after(0, () => sim.network.broadcast('mallory', { type: 'block', block }));
    sim.queue.after(0, () =>
      sim.network.broadcast('mallory', { type: 'header', header: forged.headerLosingLottery }),
    );
    sim.queue.after(0, () =>
      sim.network.broadcast('mallory', { type: 'declaration', declaration: forged.badDeclaration }),
    );
    for (const transaction of forged.doubleSpend)
      sim.queue.after(0, () => sim.network.broadcast('mallory', { type: 'transaction', transaction }));
    const report = await sim.run();
    assert.equal(report.agreement, true, 'the forgeries stopped nothing');
    const honest = honestNames(report);
    for (const { label, block, reason } of forged.blocks) {
      const hash = blockHash(block).slice(0, 8);
      for (const name of honest)
        assert.ok(
          lines.some(
            (l) =>
              l.name === name &&
              l.message.startsWith(`refuses block #1 ${hash} from mallory:`) &&
              reason.test(l.message),
          ),
          `${name} refuses ${label}, saying why`,
        );
      assert.ok(!report.chain.some((b) => b.hash === blockHash(block)));
    }
    const bh = headerHash(forged.headerLosingLottery).slice(0, 8);
    for (const name of honest) {
      assert.ok(
        lines.some(
          (l) =>
            l.name === name &&
            l.message === `refuses BH ${bh} from mallory: its hash does not win the lottery`,
        ),
      );
      assert.ok(
        lines.some(
          (l) =>
            l.name === name &&
            l.message ===
              `drops TD ${declarationHash(forged.badDeclaration).slice(0, 8)}: its signature is not its key’s`,
        ),
      );
    }
    const spent = forged.doubleSpend.map(transactionHash);
    const sim2 = sim.participants.filter((p) => p.role !== 'poisoner');
    const mined = sim2[0]?.chain.mainChain().flatMap((b) => b.transactions.map(transactionHash)) ?? [];
    assert.equal(
      mined.filter((hash) => spent.includes(hash)).length,
      1,
      'one spend of the double spend is mined',
    );
    for (const participant of sim2)
      assert.ok(
        !participant.chain.pool().some((t) => spent.includes(transactionHash(t))),
        'the other is dropped from every pool',
      );
  });
});

/** Blocks on the genesis that break one rule each, made with the simulation's own keys. */
async function forgeries(sim: Simulation) {
  const { genesis, config } = sim;
  const key = (name: string) => sim.keyOf(name);
  const byKey = new Map(sim.participants.map((p) => [p.publicKey, p.name]));
  const honest = await stages.train({ parentCheckpointSha256: genesis.checkpointSha256, poisoned: false });
  const poisoned = await stages.train({ parentCheckpointSha256: genesis.checkpointSha256, poisoned: true });
  const stageId = stageIdOf(config, 1);
  const declare = (name: string, stage: typeof honest) =>
    mine(
      (timestampMs) =>
        declareTraining(
          {
            modelId: config.modelId,
            stageId,
            publicKey: key(name).publicKey,
            timestampMs,
            coinstake: config.tdCoinstake.toString(),
            checkpointSha256: stage.checkpointSha256,
          },
          { secret: stage.trainingSecret, secretKey: key(name).secretKey },
        ),
      declarationHash,
      config.tdCoinstake,
    );
  const build = ({
    stage = honest,
    declarers = ['node-01', 'node-02', 'node-03'],
    transactions = [] as Transaction[],
    coinbaseAmount = coinbase(1),
    breakSignature = false,
    timestampFrom = 0,
  }) => {
    const declarations = declarers.map((name) => declare(name, stage));
    const header: BlockHeader = mine(
      (timestampMs) =>
        signHeader(
          {
            parentHash: genesis.hash,
            index: 1,
            stageId,
            trainingSecret: stage.trainingSecret,
            checkpointSha256: stage.checkpointSha256,
            coinstake: config.bhCoinstake.toString(),
            publicKey: key('node-01').publicKey,
            timestampMs: timestampFrom + timestampMs,
            declarations,
          },
          key('node-01').secretKey,
        ),
      headerHash,
      config.bhCoinstake,
    );
    const chosen = followTheCoin(genesis.accounts, stakeholderSeed(header), config.stakeholders).map((pk) =>
      key(byKey.get(pk) ?? ''),
    );
    const wrapper = chosen.at(-1) ?? key('node-01');
    const signatures = chosen.slice(0, -1).map((signer) => signAsStakeholder(headerHash(header), signer));
    if (breakSignature && signatures[0])
      signatures[0] = { ...signatures[0], signature: `${signatures[0].signature.slice(0, -2)}00` };
    return wrapBlock(
      {
        header,
        coinbase: { to: key('node-01').publicKey, amount: coinbaseAmount },
        transactions,
        transactionsRoot: merkleRoot(transactions.map(transactionHash)),
        stakeholderSignatures: signatures,
      },
      wrapper.secretKey,
    );
  };
  // A node's coins (nodes issue no transfers of their own in the scenario, so this spender is the forger's).
  const spender = key('node-05');
  const pay = (amount: number, nonce: number, to = 'node-01') =>
    signTransaction(
      { from: spender.publicKey, to: key(to).publicKey, amount, fee: 0, nonce },
      spender.secretKey,
    );
  const balance = genesis.accounts.get(spender.publicKey)?.balance ?? 0;
  const badlySigned = { ...pay(COIN, 1), signature: pay(2 * COIN, 1).signature };
  return {
    blocks: [
      {
        label: 'a coinbase above the formula',
        block: build({ coinbaseAmount: coinbase(1) + 1, timestampFrom: 1e6 }),
        reason: /coinbase/,
      },
      {
        label: 'colluders’ poisoned stage',
        block: build({ stage: poisoned }),
        reason: /re-executing its stage/,
      },
      {
        label: 'too few declarations',
        block: build({ declarers: ['node-01', 'node-02'] }),
        reason: /at least 3 are needed/,
      },
      {
        label: 'a quorum of keys that hold no stake',
        block: build({ declarers: ['node-01', 'mallory-1', 'mallory-2'] }),
        reason: /holds less than the minimum stake/,
      },
      {
        label: 'a bad stakeholder signature',
        block: build({ breakSignature: true }),
        reason: /valid signatures/,
      },
      {
        label: 'a double spend',
        block: build({ transactions: [pay(COIN, 1), pay(2 * COIN, 1)], timestampFrom: 2e6 }),
        reason: /next nonce is 2/,
      },
      {
        label: 'a spend above the balance',
        block: build({ transactions: [pay(balance + 1, 1)], timestampFrom: 3e6 }),
        reason: /micro-coins/,
      },
      {
        label: 'a transfer with a bad signature',
        block: build({ transactions: [badlySigned], timestampFrom: 4e6 }),
        reason: /signature is not the sender/,
      },
    ],
    headerLosingLottery: (() => {
      for (let t = 0; ; t++) {
        const header = signHeader(
          {
            parentHash: genesis.hash,
            index: 1,
            stageId,
            trainingSecret: honest.trainingSecret,
            checkpointSha256: honest.checkpointSha256,
            coinstake: config.bhCoinstake.toString(),
            publicKey: key('node-02').publicKey,
            timestampMs: t,
            declarations: [],
          },
          key('node-02').secretKey,
        );
        if (!winsLottery(headerHash(header), config.bhCoinstake)) return header;
      }
    })(),
    badDeclaration: (() => {
      const declaration = declare('node-04', honest);
      return { ...declaration, signature: `${declaration.signature.slice(0, -2)}00` };
    })(),
    doubleSpend: [pay(COIN, 1, 'node-02'), pay(COIN, 1, 'node-03')],
  };
}

function mine<T>(make: (timestampMs: number) => T, hash: (value: T) => string, coinstake: bigint): T {
  for (let t = 0; ; t++) {
    const candidate = make(t);
    if (winsLottery(hash(candidate), coinstake)) return candidate;
  }
}
