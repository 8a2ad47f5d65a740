import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { keyPairFromSeed } from '@proofgrid/core';
import {
  type Accounts,
  applyTransfer,
  COIN,
  coinbase,
  commitsTo,
  declarationFault,
  declarationHash,
  declareTraining,
  followTheCoin,
  leadingZeroBits,
  lotteryBitsRequired,
  mint,
  POT_DEFAULTS,
  signTransaction,
  type TrainingDeclaration,
  winsLottery,
} from '../src/index.ts';

const key = (n: number) => {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(n));
  return { ...pair, address: bytesToHex(pair.publicKey) };
};
const [alice, bob, wrapper] = [key(1), key(2), key(3)];

describe('chain rules', () => {
  it('pays the coinbase of block n as 1000 − 999·√n/(√n + 10) coins, in whole micro-coins', () => {
    assert.equal(coinbase(0), 1000 * COIN);
    for (const n of [1, 2, 6, 100, 10_000])
      assert.equal(
        coinbase(n),
        Math.floor((1000 - (999 * Math.sqrt(n)) / (Math.sqrt(n) + 10)) * COIN),
        `block ${n}`,
      );
    assert.equal(coinbase(100), 500.5 * COIN, 'at n = 100 the reward has halved: 1000 − 999·10/20');
    assert.throws(() => coinbase(-1), RangeError);
  });

  it('asks 256 − log2(coinstake) leading zero bits: 4 for the seed’s TD stake, 5 for its header stake', () => {
    assert.equal(lotteryBitsRequired(POT_DEFAULTS.tdCoinstake), 4);
    assert.equal(lotteryBitsRequired(POT_DEFAULTS.bhCoinstake), 5);
    assert.equal(leadingZeroBits(`0f${'f'.repeat(62)}`), 4);
    assert.equal(leadingZeroBits(`07${'f'.repeat(62)}`), 5);
    assert.equal(leadingZeroBits('0'.repeat(64)), 256);
    assert.equal(winsLottery(`0f${'f'.repeat(62)}`, POT_DEFAULTS.tdCoinstake), true);
    assert.equal(winsLottery(`0f${'f'.repeat(62)}`, POT_DEFAULTS.bhCoinstake), false);
  });

  it('moves coins only under the sender’s signature, with its next nonce, never below zero', () => {
    let accounts: Accounts = mint(new Map(), alice.address, 10 * COIN);
    const send = (nonce: number, amount: number, signer = alice) =>
      signTransaction({ from: alice.address, to: bob.address, amount, fee: 1000, nonce }, signer.secretKey);
    const first = send(1, 4 * COIN);
    const applied = applyTransfer(accounts, first, { feeTo: wrapper.address });
    assert.ok(applied.ok);
    accounts = applied.accounts;
    assert.deepEqual(accounts.get(alice.address), { balance: 6 * COIN - 1000, nonce: 1 });
    assert.deepEqual(accounts.get(bob.address), { balance: 4 * COIN, nonce: 0 });
    assert.deepEqual(accounts.get(wrapper.address), { balance: 1000, nonce: 0 });

    const refused = (transaction: ReturnType<typeof send>) => {
      const outcome = applyTransfer(accounts, transaction, { feeTo: wrapper.address });
      assert.equal(outcome.ok, false);
      return outcome.ok ? undefined : outcome.refusal.code;
    };
    assert.equal(refused(first), 'NONCE_NOT_NEXT', 'a replay');
    assert.equal(refused(send(3, 1)), 'NONCE_NOT_NEXT', 'a nonce skipped');
    assert.equal(refused(send(2, 6 * COIN)), 'INSUFFICIENT_BALANCE', 'a double spend');
    assert.equal(refused(send(2, 1, bob)), 'BAD_TRANSACTION', 'signed by another key');
    assert.equal(refused({ ...send(2, 1), amount: 2 }), 'BAD_TRANSACTION', 'altered after signing');
    assert.equal(refused({ ...send(2, 1), amount: 0 }), 'BAD_TRANSACTION');
    assert.deepEqual(accounts.get(alice.address), { balance: 6 * COIN - 1000, nonce: 1 }, 'nothing moved');
  });

  it('follows the coin: the same seed picks the same distinct holders, weighted by their coins', () => {
    const holders = Array.from({ length: 10 }, (_, i) => key(10 + i).address);
    let accounts: Accounts = new Map();
    holders.forEach((address, i) => {
      accounts = mint(accounts, address, (i + 1) * COIN);
    });
    const seed = 'ab'.repeat(32);
    const chosen = followTheCoin(accounts, seed, 3);
    assert.equal(new Set(chosen).size, 3);
    assert.deepEqual(followTheCoin(accounts, seed, 3), chosen);
    assert.notDeepEqual(followTheCoin(accounts, 'cd'.repeat(32), 3), chosen);
    assert.equal(followTheCoin(accounts, seed, 20).length, 10, 'at most every holder');
    // Over many seeds, the largest holder is chosen first about ten times as often as the smallest.
    const firsts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const first = followTheCoin(accounts, i.toString(16).padStart(64, '0'), 1)[0] ?? '';
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const ratio = (firsts.get(holders[9] ?? '') ?? 0) / (firsts.get(holders[0] ?? '') ?? 1);
    assert.ok(ratio > 5 && ratio < 20, `10:1 coins gave ${ratio.toFixed(1)}:1 picks`);
    // A holder of dust does not make selection run for ever.
    const dusty = mint(mint(new Map(), holders[0] ?? '', 1), holders[1] ?? '', 1e12);
    assert.equal(followTheCoin(dusty, seed, 2).length, 2);
  });

  it('counts a training declaration only signed, at the network’s stake, winning the lottery; its commitment binds the secret', () => {
    const secret = 'a1'.repeat(32);
    const declare = (timestampMs: number, coinstake = POT_DEFAULTS.tdCoinstake) =>
      declareTraining(
        {
          modelId: 'mnist-default',
          stageId: 'mnist-default:0',
          publicKey: alice.address,
          timestampMs,
          coinstake: coinstake.toString(),
          checkpointSha256: 'c0'.repeat(32),
        },
        { secret, secretKey: alice.secretKey },
      );
    // Draw tickets as a node does, a new timestamp each time, until one wins (1 in 16 at 4 bits).
    let winner: TrainingDeclaration | undefined;
    let loser: TrainingDeclaration | undefined;
    for (let t = 0; winner === undefined || loser === undefined; t++) {
      const ticket = declare(t);
      if (winsLottery(declarationHash(ticket), POT_DEFAULTS.tdCoinstake)) winner ??= ticket;
      else loser ??= ticket;
    }
    assert.equal(declarationFault(winner, POT_DEFAULTS.tdCoinstake), null);
    assert.equal(declarationFault(loser, POT_DEFAULTS.tdCoinstake), 'its hash does not win the lottery');
    assert.match(
      declarationFault(
        {
          ...winner,
          signature: `${winner.signature.slice(0, -2)}${winner.signature.endsWith('00') ? '01' : '00'}`,
        },
        POT_DEFAULTS.tdCoinstake,
      ) ?? '',
      /signature/,
      'the winning ticket with a signature that is not its key’s',
    );
    assert.match(declarationFault(winner, POT_DEFAULTS.bhCoinstake) ?? '', /stakes/);
    assert.equal(commitsTo(winner, secret), true);
    assert.equal(commitsTo(winner, 'a2'.repeat(32)), false, 'a poisoned stage has another secret');
  });
});
