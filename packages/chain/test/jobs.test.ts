import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TRAINING_SPEC } from '@proofgrid/core';
import {
  applyBlock,
  COIN,
  coinbase,
  INITIAL_CHECKPOINT,
  JOB_STAGES_MAX,
  type ParentState,
  type Stage,
  signTransaction,
  transactionFault,
  transactionHash,
} from '../src/index.ts';
import { config, genesis, honest, makeBlock, nodes } from './support/testChain.ts';

const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
const spec = JSON.stringify({ ...DEFAULT_TRAINING_SPEC, stages: 3 });
const submit = (nonce: number, overrides: { spec?: string; reward?: number } = {}) =>
  signTransaction(
    { kind: 'train-job', from: b.publicKey, spec, reward: 30 * COIN + 1, fee: 1000, nonce, ...overrides },
    b.secretKey,
  );

async function apply(
  parent: ParentState,
  block: ReturnType<typeof makeBlock>,
  seen?: Stage[],
): Promise<ParentState> {
  const applied = await applyBlock(block, parent, config, async (stage) => {
    seen?.push(stage);
    return honest(stage.stageId);
  });
  assert.ok(applied.ok, applied.ok ? '' : applied.reason);
  return applied.state;
}

describe('training jobs on chain', () => {
  it('escrows the reward, trains the job a stage per block from its own initial weights, pays each stage’s author, then resumes the default model', async () => {
    const job = submit(1);
    const id = transactionHash(job);
    const one = await apply(genesis, makeBlock(genesis, { transactions: [job] }));
    const before = genesis.accounts.get(b.publicKey)?.balance ?? 0;
    assert.equal(
      one.accounts.get(b.publicKey)?.balance,
      before - 30 * COIN - 1 - 1000,
      'reward and fee leave the submitter',
    );
    assert.deepEqual(one.queue, [id]);
    assert.equal(one.jobs?.get(id)?.stages, 3);
    let state = one;
    const seen: Stage[] = [];
    for (let stage = 0; stage < 3; stage++) {
      const authorBefore = state.accounts.get(a.publicKey)?.balance ?? 0;
      const block = makeBlock(state);
      assert.equal(block.header.stageId, `${id}:${stage}`);
      state = await apply(state, block, seen);
      const share = stage < 2 ? 10 * COIN : 10 * COIN + 1;
      assert.equal(
        state.accounts.get(a.publicKey)?.balance,
        authorBefore + coinbase(state.index) + share,
        'the author earns the coinbase and its share',
      );
    }
    assert.deepEqual(
      seen.map((s) => [s.stageId, s.spec === spec, s.parentCheckpointSha256]),
      [
        [`${id}:0`, true, INITIAL_CHECKPOINT],
        [`${id}:1`, true, honest(`${id}:0`).checkpointSha256],
        [`${id}:2`, true, honest(`${id}:1`).checkpointSha256],
      ],
    );
    const done = state.jobs?.get(id);
    assert.equal(done?.stagesDone, 3);
    assert.equal(done?.paid, 30 * COIN + 1, 'the whole reward, nothing more');
    assert.equal(done?.finishedAt, 4);
    assert.deepEqual(state.queue, []);
    assert.equal(state.checkpointSha256, one.checkpointSha256, 'the default model waited');
    assert.equal(makeBlock(state).header.stageId, `${config.modelId}:1`, 'and resumes where it stopped');
  });

  it('refuses a header that trains anything but the queued job’s next stage', async () => {
    const one = await apply(genesis, makeBlock(genesis, { transactions: [submit(1)] }));
    const wrong = makeBlock({ ...one, queue: [] });
    const applied = await applyBlock(wrong, one, config, async (stage) => honest(stage.stageId));
    assert.ok(!applied.ok);
    assert.match(applied.reason, /it carries stage mnist-default:1, not [0-9a-f]{64}:0/);
  });

  it('refuses a job whose spec is not a training spec or asks too much, and a commitment moves only its fee', async () => {
    assert.match(
      transactionFault(submit(1, { spec: '{"layers": 3}' })) ?? '',
      /its spec is not a training spec/,
    );
    assert.match(transactionFault(submit(1, { spec: 'not json' })) ?? '', /its spec is not a training spec/);
    assert.match(
      transactionFault(
        submit(1, { spec: JSON.stringify({ ...DEFAULT_TRAINING_SPEC, stages: JOB_STAGES_MAX + 1 }) }),
      ) ?? '',
      /at most 10000 are taken/,
    );
    const commitment = signTransaction(
      {
        kind: 'commitment',
        from: b.publicKey,
        label: 'hub.receipts',
        hash: 'ab'.repeat(32),
        fee: 1000,
        nonce: 1,
      },
      b.secretKey,
    );
    assert.equal(transactionFault(commitment), null);
    const cheap = signTransaction({ ...commitment, fee: 999 }, b.secretKey);
    assert.match(transactionFault(cheap) ?? '', /the fee is below 1000 micro-coins/);
    assert.match(transactionFault(submit(1, { reward: 2999 })) ?? '', /the reward is below 3000 micro-coins/);
    assert.match(transactionFault({ ...commitment, label: 'Not A Label' }) ?? '', /the label is not/);
    const state = await apply(genesis, makeBlock(genesis, { transactions: [commitment] }));
    assert.equal(
      state.accounts.get(b.publicKey)?.balance,
      (genesis.accounts.get(b.publicKey)?.balance ?? 0) - 1000,
    );
    assert.equal(state.accounts.get(b.publicKey)?.nonce, 1);
  });
});
