import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunSubmission } from '@proofgrid/client';
import {
  encodeBase64,
  LOG_SIZE_BYTES_MAX,
  REPLICAS_PER_LEASE_MAX,
  SUBMISSIONS_BODY_BYTES_MAX,
} from '@proofgrid/core';
import { requestsOf } from '../src/submissionRequests.ts';

const run = (outputBytes: number, log: string): { id: number; run: RunSubmission } => ({
  id: 0,
  run: { output: new Uint8Array(outputBytes).fill(7), fuelUsed: 1e12, exitCode: 255, log, failure: null },
});
/** The body the batch route receives for these runs (as the client writes it). */
const bodyBytes = (runs: { run: RunSubmission }[]) =>
  Buffer.byteLength(
    JSON.stringify({
      runs: runs.map(({ run: r }) => ({
        replica_id: '00000000-0000-4000-8000-000000000000',
        output: encodeBase64(r.output),
        fuel_used: r.fuelUsed,
        exit_code: r.exitCode,
        log: r.log,
        failure: { code: 'FUEL_EXHAUSTED', message: 'x'.repeat(1024) },
      })),
    }),
  );

describe('requestsOf', () => {
  it('keeps every request within the batch route’s bytes and count, and every run in order', () => {
    const worst = '\u0001'.repeat(LOG_SIZE_BYTES_MAX);
    const runs = Array.from({ length: REPLICAS_PER_LEASE_MAX }, (_, i) => ({
      ...run(128 * 1024, i % 2 === 0 ? worst : 'é'.repeat(LOG_SIZE_BYTES_MAX / 2)),
      id: i,
    }));
    assert.ok(bodyBytes(runs) > SUBMISSIONS_BODY_BYTES_MAX, 'one request would be refused');
    const requests = requestsOf(runs);
    assert.ok(requests.length > 1);
    for (const request of requests) assert.ok(bodyBytes(request) <= SUBMISSIONS_BODY_BYTES_MAX);
    assert.deepEqual(
      requests.flat().map((pending) => pending.id),
      runs.map((pending) => pending.id),
    );
  });

  it('sends small runs together, at most a lease’s worth per request', () => {
    const runs = Array.from({ length: 2 * REPLICAS_PER_LEASE_MAX + 1 }, () => run(4, 'ok'));
    assert.deepEqual(
      requestsOf(runs).map((request) => request.length),
      [REPLICAS_PER_LEASE_MAX, REPLICAS_PER_LEASE_MAX, 1],
    );
    assert.deepEqual(requestsOf([]), []);
  });
});
