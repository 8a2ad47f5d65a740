import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideDealTask } from '../src/market/dealVotes.ts';

const terms = (trust: number, audit: boolean) => ({ dealId: 'd', poolId: 'p', trust, audit });
const result = (workerId: string, resultHash: string, weight = 2) => ({ workerId, resultHash, weight });

describe('deal task votes', () => {
  it('lets a lone result win at trust 1, unless the task is audited', () => {
    assert.equal(
      decideDealTask(terms(1, false), { results: [result('a', 'x')], inFlight: 0 }).decision,
      'accept',
    );
    assert.equal(
      decideDealTask(terms(1, true), { results: [result('a', 'x')], inFlight: 0 }).decision,
      'add_replica',
    );
    assert.equal(
      decideDealTask(terms(1, true), { results: [result('a', 'x')], inFlight: 1 }).decision,
      'wait',
    );
  });

  it('settles an audit by agreement, never by who came first', () => {
    const agreed = decideDealTask(terms(1, true), {
      results: [result('a', 'x'), result('b', 'x')],
      inFlight: 0,
    });
    assert.equal(agreed.decision, 'accept');
    // The auditor disagrees with a trusted lone result: neither wins; a third replica decides by majority.
    const split = decideDealTask(terms(1, true), {
      results: [result('liar', 'lie', 10), result('auditor', 'x')],
      inFlight: 0,
    });
    assert.equal(split.decision, 'add_replica');
    const decided = decideDealTask(terms(1, true), {
      results: [result('liar', 'lie', 2), result('auditor', 'x'), result('third', 'x')],
      inFlight: 0,
    });
    assert.deepEqual(decided, {
      decision: 'accept',
      resultHash: 'x',
      agreeing: ['auditor', 'third'],
      disagreeing: ['liar'],
    });
  });
});
