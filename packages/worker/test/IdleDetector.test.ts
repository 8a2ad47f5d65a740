import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdleDetector, otherBusyShare } from '../src/index.ts';

const policy = { otherBusyMax: 0.25, busySamplesToPause: 2, calmSamplesToResume: 3 };
const feed = (detector: IdleDetector, samples: number[]) => samples.map((sample) => detector.sample(sample));

describe('IdleDetector', () => {
  it('pauses only after the machine stays busy, and resumes only after it stays calm', () => {
    const detector = new IdleDetector(policy);
    assert.deepEqual(feed(detector, [0.1, 0.9, 0.1, 0.9, 0.9]), [false, false, false, false, true]);
    assert.deepEqual(feed(detector, [0.1, 0.1, 0.9, 0.1, 0.1, 0.1]), [true, true, true, true, true, false]);
  });

  it('treats the threshold itself as calm', () => {
    const detector = new IdleDetector(policy);
    assert.deepEqual(feed(detector, [0.25, 0.25, 0.25]), [false, false, false]);
  });
});

describe('otherBusyShare', () => {
  it("subtracts the worker's own CPU time from the machine's", () => {
    const before = { machineBusyMs: 1000, machineTotalMs: 4000, ownBusyMs: 100 };
    const after = { machineBusyMs: 2000, machineTotalMs: 6000, ownBusyMs: 600 };
    assert.equal(otherBusyShare(before, after), 0.25);
  });

  it('stays within 0..1 when a sandbox was replaced between readings', () => {
    const before = { machineBusyMs: 1000, machineTotalMs: 4000, ownBusyMs: 900 };
    const after = { machineBusyMs: 1100, machineTotalMs: 6000, ownBusyMs: 50 };
    assert.equal(otherBusyShare(before, after), 0.05);
    assert.equal(otherBusyShare(after, after), 0);
  });
});
