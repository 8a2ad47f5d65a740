import type { RunSubmission } from '@proofgrid/client';
import { REPLICAS_PER_LEASE_MAX, SUBMISSIONS_BODY_BYTES_MAX } from '@proofgrid/core';

/** A run's JSON in a batch besides its output and log: its replica id, fuel, exit code, failure. */
const RUN_JSON_BYTES_MAX = 2048;

/**
 * Splits runs, in order, into requests the batch route takes: at most REPLICAS_PER_LEASE_MAX runs and
 * SUBMISSIONS_BODY_BYTES_MAX bytes of JSON each. A log's JSON is measured, not its length: control
 * characters take six bytes each.
 */
export function requestsOf<T extends { run: RunSubmission }>(runs: readonly T[]): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const pending of runs) {
    const size =
      Math.ceil(pending.run.output.length / 3) * 4 +
      Buffer.byteLength(JSON.stringify(pending.run.log)) +
      RUN_JSON_BYTES_MAX;
    if (
      current.length > 0 &&
      (bytes + size > SUBMISSIONS_BODY_BYTES_MAX || current.length === REPLICAS_PER_LEASE_MAX)
    ) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(pending);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
