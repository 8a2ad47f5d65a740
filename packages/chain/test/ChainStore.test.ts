import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockHash, ChainStore, COIN, coinbase, transactionHash } from '../src/index.ts';
import { config, genesis, makeBlock, nodes, pay, replay } from './support/testChain.ts';

const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
const store = () => new ChainStore({ genesis, config, replay });

describe('ChainStore: fork choice, orphans, the pool', () => {
  it('follows the longest valid chain and puts the transfers of a losing branch back in the pool', async () => {
    const node = store();
    const transfer = pay(a, b, 3 * COIN, 1);
    assert.equal(node.addTransaction(transfer), true);
    // Branch X: one block carrying the transfer. Branch Y: two empty blocks, built by another node.
    const x1 = makeBlock(genesis, { transactions: [transfer] });
    assert.equal((await node.add(x1)).outcome, 'accepted');
    assert.equal(node.tip.index, 1);
    assert.deepEqual(node.pool(), [], 'the transfer left the pool with its block');
    const other = store();
    const y1 = makeBlock(genesis);
    assert.equal((await other.add(y1)).outcome, 'accepted');
    const y2 = makeBlock(other.tip);
    await node.add(y1);
    const reorg = await node.add(y2);
    assert.equal(reorg.outcome, 'accepted');
    assert.equal(node.tip.index, 2);
    assert.equal(node.tip.hash, reorg.hash);
    assert.deepEqual(
      node.pool().map(transactionHash),
      [transactionHash(transfer)],
      'the losing branch’s transfer waits for the next block',
    );
    assert.equal(node.tip.accounts.get(a.publicKey)?.nonce ?? 0, 0, 'it is not spent on the winning branch');
    assert.equal(node.addTransaction(transfer), false, 'nor pooled twice');
  });

  it('picks the same tip whatever order equal-height blocks arrive in', async () => {
    const first = makeBlock(genesis);
    const second = makeBlock(genesis, { transactions: [pay(a, b, COIN, 1)] });
    const one = store();
    const two = store();
    for (const block of [first, second]) assert.equal((await one.add(block)).outcome, 'accepted');
    for (const block of [second, first]) assert.equal((await two.add(block)).outcome, 'accepted');
    assert.notEqual(blockHash(first), blockHash(second), 'one header wrapped two ways is two blocks');
    assert.equal(one.tip.hash, two.tip.hash);
  });

  it('keeps a block whose parent is missing and judges it when the parent arrives; a refused block moves nothing', async () => {
    const node = store();
    const parent = makeBlock(genesis);
    const helper = store();
    await helper.add(parent);
    const child = makeBlock(helper.tip);
    const early = await node.add(child);
    assert.equal(early.outcome, 'orphan');
    assert.equal(early.outcome === 'orphan' ? early.missingParent : '', helper.tip.hash);
    await node.add(parent);
    assert.equal(node.tip.index, 2, 'the orphan joined once its parent came');
    assert.equal(node.mainChain().length, 2);
    assert.equal((await node.add(child)).outcome, 'known');

    // A refused block takes its waiting descendants with it, at every depth; junk is not even kept.
    const fresh = store();
    const badParent = makeBlock(genesis, { coinbaseAmount: coinbase(1) + 1 });
    const badChild = makeBlock({ ...genesis, hash: blockHash(badParent), index: 1 });
    const badGrandchild = makeBlock({ ...genesis, hash: blockHash(badChild), index: 2 });
    assert.equal((await fresh.add(badGrandchild)).outcome, 'orphan');
    assert.equal((await fresh.add(badChild)).outcome, 'orphan');
    assert.equal((await fresh.add(badParent)).outcome, 'refused');
    assert.equal((await fresh.add(makeBlock(genesis))).outcome, 'accepted');
    assert.equal(fresh.tip.index, 1, 'no orphan of the refused block was judged or kept');
    const unknownParent = makeBlock({ ...genesis, hash: 'ee'.repeat(32) });
    const { signature } = unknownParent.header;
    const junkAdded = await fresh.add({
      ...unknownParent,
      header: {
        ...unknownParent.header,
        signature: `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
      },
    });
    assert.equal(junkAdded.outcome, 'dropped', 'a header whose signature is broken is not kept as an orphan');
    assert.match(junkAdded.outcome === 'dropped' ? junkAdded.reason : '', /signature/);

    const bad = makeBlock(genesis, { coinbaseAmount: coinbase(1) * 2 });
    const badAdded = await node.add(bad);
    assert.equal(badAdded.outcome, 'refused');
    assert.match(badAdded.outcome === 'refused' ? badAdded.reason : '', /coinbase/);
    assert.equal(node.tip.index, 2, 'a refused block moves nothing');
  });
});
