import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VerificationPolicy } from '../manifest/parseManifest.ts';
import { decideReplicaVerdict, type ReplicaResult } from './decideReplicaVerdict.ts';

const replicate = (replicas: number, replicas_max: number): VerificationPolicy => ({
  policy: 'replicate',
  replicas,
  replicas_max,
});
const results = (...hashes: string[]): ReplicaResult[] =>
  hashes.map((resultHash, i) => ({ workerId: `w${i}`, resultHash }));

describe('decideReplicaVerdict', () => {
  it('accepts when two of two replicas agree', () => {
    assert.deepEqual(decideReplicaVerdict(replicate(2, 5), { results: results('x', 'x'), inFlight: 0 }), {
      decision: 'accept',
      resultHash: 'x',
      agreeing: ['w0', 'w1'],
      disagreeing: [],
    });
  });

  it('asks for the missing replicas first, then waits for those in flight', () => {
    assert.deepEqual(decideReplicaVerdict(replicate(2, 5), { results: [], inFlight: 0 }), {
      decision: 'add_replica',
    });
    assert.deepEqual(decideReplicaVerdict(replicate(2, 5), { results: results('x'), inFlight: 0 }), {
      decision: 'add_replica',
    });
    assert.deepEqual(decideReplicaVerdict(replicate(2, 5), { results: results('x'), inFlight: 1 }), {
      decision: 'wait',
    });
  });

  it('adds a replica on disagreement and outvotes the wrong worker', () => {
    assert.deepEqual(decideReplicaVerdict(replicate(2, 5), { results: results('x', 'y'), inFlight: 0 }), {
      decision: 'add_replica',
    });
    const verdict = decideReplicaVerdict(replicate(2, 5), {
      results: results('x', 'wrong', 'x'),
      inFlight: 0,
    });
    assert.deepEqual(verdict, {
      decision: 'accept',
      resultHash: 'x',
      agreeing: ['w0', 'w2'],
      disagreeing: ['w1'],
    });
  });

  it('fails once no result can reach the quorum within replicas_max', () => {
    const verdict = decideReplicaVerdict(replicate(2, 3), { results: results('x', 'y', 'z'), inFlight: 0 });
    assert.equal(verdict.decision, 'fail');
    assert.match(verdict.decision === 'fail' ? verdict.reason : '', /quorum of 2 within 3 replicas/);
  });

  it('needs a strict majority of the configured replicas: 2 of 3', () => {
    assert.deepEqual(decideReplicaVerdict(replicate(3, 5), { results: results('x'), inFlight: 2 }), {
      decision: 'wait',
    });
    assert.equal(
      decideReplicaVerdict(replicate(3, 5), { results: results('x', 'x'), inFlight: 1 }).decision,
      'accept',
    );
  });

  it('never accepts without a quorum and never exceeds replicas_max, for every small history', () => {
    const hashes = ['a', 'b', 'c'];
    for (let k = 2; k <= 4; k++) {
      for (let max = k; max <= 5; max++) {
        const histories: string[][] = [[]];
        for (let length = 1; length <= max; length++) {
          for (const history of histories.filter((h) => h.length === length - 1))
            for (const hash of hashes) histories.push([...history, hash]);
        }
        for (const history of histories) {
          const verdict = decideReplicaVerdict(replicate(k, max), {
            results: results(...history),
            inFlight: 0,
          });
          const quorum = Math.floor(k / 2) + 1;
          if (verdict.decision === 'accept')
            assert.ok(verdict.agreeing.length >= quorum, `${k}/${max} ${history}`);
          if (verdict.decision === 'add_replica') assert.ok(history.length < max, `${k}/${max} ${history}`);
          if (history.length === max) assert.notEqual(verdict.decision, 'add_replica');
        }
      }
    }
  });

  it('accepts no result while two are tied at the top, even at the quorum', () => {
    assert.deepEqual(
      decideReplicaVerdict(replicate(2, 5), { results: results('x', 'y', 'x', 'y'), inFlight: 0 }),
      { decision: 'add_replica' },
    );
    assert.equal(
      decideReplicaVerdict(replicate(2, 4), { results: results('x', 'y', 'x', 'y'), inFlight: 0 }).decision,
      'fail',
    );
    assert.equal(
      decideReplicaVerdict(replicate(2, 5), { results: results('x', 'y', 'x', 'y', 'x'), inFlight: 0 })
        .decision,
      'accept',
    );
  });

  it('accepts the first result under policy none', () => {
    assert.deepEqual(decideReplicaVerdict({ policy: 'none' }, { results: results('x'), inFlight: 0 }), {
      decision: 'accept',
      resultHash: 'x',
      agreeing: ['w0'],
      disagreeing: [],
    });
    assert.deepEqual(decideReplicaVerdict({ policy: 'none' }, { results: [], inFlight: 1 }), {
      decision: 'wait',
    });
  });
});
