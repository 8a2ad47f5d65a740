import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { keyPairFromSeed } from '../signatures/signatures.ts';
import { DEFAULT_CATEGORIES } from './categories.ts';
import { decideByCredibility, workerWeight } from './credibility.ts';
import { matchOrders } from './matchOrders.ts';
import {
  type PoolOrder,
  type ProgramOrder,
  parseSignedOrder,
  type RequestOrder,
  signOrder,
} from './orders.ts';
import {
  merkleProofHolds,
  merkleProofOf,
  merkleRootOf,
  receiptLeaf,
  receiptSignedByHub,
  signReceipt,
} from './receiptLog.ts';
import { splitReward } from './splitReward.ts';
import { creditsText, parseCredits } from './units.ts';

const key = keyPairFromSeed(new Uint8Array(32).fill(7));
const signer = bytesToHex(key.publicKey);
const PROGRAM = '11111111-1111-4111-8111-111111111111';
const POOL = '22222222-2222-4222-8222-222222222222';
const REQUESTER = '33333333-3333-4333-8333-333333333333';

const programOrder: ProgramOrder = {
  kind: 'program',
  program: PROGRAM,
  price: 100,
  volume: 10,
  tag: [],
  pool_restrict: '',
  requester_restrict: '',
  salt: '01',
  signer,
};
const poolOrder: PoolOrder = {
  kind: 'pool',
  pool: POOL,
  price: 1000,
  volume: 5,
  tag: ['gpu'],
  category: 'XS',
  trust: 5,
  program_restrict: '',
  requester_restrict: '',
  salt: '02',
  signer,
};
const request: RequestOrder = {
  kind: 'request',
  program: PROGRAM,
  program_max_price: 100,
  pool: '',
  pool_max_price: 1000,
  requester: REQUESTER,
  volume: 3,
  tag: [],
  category: 'XS',
  trust: 5,
  params: '',
  inputs_hash: '0'.repeat(64),
  salt: '03',
  signer,
};
const remaining = { program: 10, pool: 5, request: 3 };

describe('market orders', () => {
  it('signs and parses an order, and refuses a tampered one with why', () => {
    const signed = signOrder(poolOrder, key.secretKey);
    assert.deepEqual(parseSignedOrder(JSON.parse(JSON.stringify(signed))), signed);
    assert.throws(
      () => parseSignedOrder({ ...signed, order: { ...poolOrder, price: 1 } }),
      /signature is not its signer/,
    );
    assert.throws(() => parseSignedOrder({ ...signed, order: { ...poolOrder, extra: 1 } }), /no key "extra"/);
    assert.throws(() => parseSignedOrder({ ...signed, order: { ...poolOrder, tag: ['b', 'a'] } }), /sorted/);
    assert.throws(() => parseSignedOrder({ ...signed, order: { kind: 'dataset' } }), /confidential datasets/);
    assert.throws(
      () => parseSignedOrder({ ...signed, order: { ...poolOrder, volume: 0 } }),
      /"volume" must be/,
    );
  });

  it('matches by PoCo rules with the smallest remainder as volume', () => {
    const match = matchOrders({
      program: programOrder,
      pool: poolOrder,
      request,
      remaining,
      categories: DEFAULT_CATEGORIES,
    });
    assert.ok(match.ok);
    assert.equal(match.volume, 3);
    assert.equal(match.trust, 5);
    assert.equal(match.programPrice + match.poolPrice, 1100);
  });

  it('names every rule a refused match broke', () => {
    const match = matchOrders({
      program: { ...programOrder, price: 101, requester_restrict: POOL },
      pool: { ...poolOrder, trust: 4, category: 'S', tag: [] },
      request: { ...request, tag: ['tee'] },
      remaining: { ...remaining, pool: 0 },
      categories: DEFAULT_CATEGORIES,
    });
    assert.ok(!match.ok);
    const text = match.reasons.join('\n');
    for (const expected of [
      /category "S"/,
      /trust 5/,
      /price 101 nano is above/,
      /lack "tee"/,
      /requester is restricted/,
      /pool order has no volume left/,
    ])
      assert.match(text, expected);
  });
});

describe('credibility consensus', () => {
  it('weighs new workers 2 and grows with the score', () => {
    assert.equal(workerWeight(0), 2);
    assert.equal(workerWeight(12), 3);
    assert.equal(workerWeight(30), 9);
  });
  it('lets the first result win at trust 1, asks for more at higher trust, lets a trusted worker win alone', () => {
    const one = (weight: number) => [{ workerId: 'a', resultHash: 'x', weight }];
    assert.equal(
      decideByCredibility({ trust: 1, replicasMax: 4, inFlight: 0, results: one(2) }).decision,
      'accept',
    );
    assert.equal(
      decideByCredibility({ trust: 5, replicasMax: 4, inFlight: 0, results: one(2) }).decision,
      'add_replica',
    );
    assert.equal(
      decideByCredibility({ trust: 5, replicasMax: 4, inFlight: 1, results: one(2) }).decision,
      'wait',
    );
    assert.equal(
      decideByCredibility({ trust: 5, replicasMax: 4, inFlight: 0, results: one(9) }).decision,
      'accept',
    );
    const four = ['a', 'b', 'c', 'e'].map((workerId) => ({ workerId, resultHash: 'x', weight: 2 }));
    const liar = { workerId: 'd', resultHash: 'y', weight: 2 };
    const verdict = decideByCredibility({ trust: 5, replicasMax: 5, inFlight: 0, results: [...four, liar] });
    assert.deepEqual(verdict, {
      decision: 'accept',
      resultHash: 'x',
      agreeing: ['a', 'b', 'c', 'e'],
      disagreeing: ['d'],
    });
    const split = [{ workerId: 'a', resultHash: 'x', weight: 2 }, liar];
    assert.equal(
      decideByCredibility({ trust: 5, replicasMax: 2, inFlight: 0, results: split }).decision,
      'fail',
    );
  });
});

describe('reward split', () => {
  it('pays winners by log2 of their weight and the pool the rest, to the nano-credit', () => {
    const split = splitReward({
      poolPrice: 1001,
      workerSharePercent: 70,
      seized: 300,
      winnerWeights: [2, 4],
    });
    // pot = 70% of 1001 (700) + 300 seized = 1000; shares 1 : 2; the pool keeps 301 + the remainder 1.
    assert.deepEqual(split, { workers: [333, 666], pool: 302 });
  });
});

describe('receipt log', () => {
  it('proves every receipt into its root and catches a changed one', () => {
    const signed = Array.from({ length: 7 }, (_, i) =>
      signReceipt(
        { hub: signer, seq: i + 1, kind: 'payment', at: '2026-12-01T00:00:00Z', body: { amount: i } },
        key.secretKey,
      ),
    );
    const leaves = signed.map(receiptLeaf);
    const root = merkleRootOf(leaves);
    for (const [i, leaf] of leaves.entries())
      assert.ok(merkleProofHolds(leaf, merkleProofOf(leaves, i), root));
    assert.ok(receiptSignedByHub(signed[3] as never));
    const forged = { ...(signed[3] as never as { receipt: object; signature: string }) };
    const changed = { ...forged, receipt: { ...(forged.receipt as object), body: { amount: 99 } } } as never;
    assert.equal(receiptSignedByHub(changed), false);
    assert.equal(merkleProofHolds(receiptLeaf(changed), merkleProofOf(leaves, 3), root), false);
  });
});

describe('credit units', () => {
  it('reads and prints credits exactly', () => {
    assert.equal(parseCredits('1.5'), 1_500_000_000);
    assert.equal(parseCredits('1500 nano'), 1500);
    assert.equal(parseCredits('0'), undefined);
    assert.equal(parseCredits('-1'), undefined);
    assert.equal(creditsText(1_500_000_001), '1.500000001');
  });
});
