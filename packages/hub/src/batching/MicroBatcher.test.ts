import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BatchOutcome, MicroBatcher } from './MicroBatcher.ts';

describe('MicroBatcher', () => {
  it('batches the items of one turn of the event loop, and those that arrive while a batch runs', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      { batchSizeMax: 3, queuedMax: 10 },
      {
        execute: async (items) => {
          batches.push(items);
          await new Promise((resolve) => setImmediate(resolve));
          return items.map((item) => ({ ok: true, value: item * 10 }));
        },
      },
    );
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch starts: [1]
    const results = await Promise.all([first, ...[2, 3, 4, 5, 6].map((item) => batcher.submit(item))]);
    assert.deepEqual(results, [10, 20, 30, 40, 50, 60]);
    assert.deepEqual(batches, [[1], [2, 3, 4], [5, 6]]);
  });

  it('fails only the items whose outcome failed, and every item when the batch throws', async () => {
    let throwAll = false;
    const batcher = new MicroBatcher<number, number>(
      { batchSizeMax: 10, queuedMax: 10 },
      {
        execute: async (items): Promise<BatchOutcome<number>[]> => {
          if (throwAll) throw new Error('database down');
          return items.map((item) =>
            item % 2 === 0 ? { ok: true, value: item } : { ok: false, error: new Error(`odd ${item}`) },
          );
        },
      },
    );
    const settled = await Promise.allSettled([2, 3].map((item) => batcher.submit(item)));
    assert.equal(settled[0]?.status, 'fulfilled');
    assert.equal(settled[1]?.status === 'rejected' && (settled[1].reason as Error).message, 'odd 3');
    throwAll = true;
    await assert.rejects(batcher.submit(4), /database down/);
  });

  it('refuses items past the queue limit instead of queueing without bound', async () => {
    let release = () => {};
    const batcher = new MicroBatcher<number, number>(
      { batchSizeMax: 1, queuedMax: 2 },
      {
        execute: (items) =>
          new Promise((resolve) => {
            release = () => resolve(items.map((item) => ({ ok: true, value: item })));
          }),
      },
    );
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // running
    const queued = [batcher.submit(2), batcher.submit(3)];
    await assert.rejects(batcher.submit(4), /more than 2 requests of this kind are waiting/);
    for (let i = 0; i < 3; i++) {
      release();
      // The batch settles, then the next one starts after its turn of the event loop.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all([first, ...queued]), [1, 2, 3]);
  });
});
