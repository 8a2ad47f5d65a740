import { createHash } from 'node:crypto';
import { encodeCanonical } from '@proofgrid/core';

/**
 * The hash replicas agree on: everything a result consists of (the output, and for runs the fuel, exit
 * code, log and failure code; for proven results the proof). Equal results, and only those, hash equal.
 * A failure's message is not in it: engines word traps differently, and the code says what happened.
 */
export function resultHash(parts: {
  output: Uint8Array;
  fuelUsed: number | null;
  exitCode: number | null;
  log: string | null;
  failureCode: string | null;
  proofSha256: string | null;
}): string {
  return createHash('sha256')
    .update(
      encodeCanonical({
        output_sha256: sha256Hex(parts.output),
        fuel_used: parts.fuelUsed,
        exit_code: parts.exitCode,
        log_sha256: parts.log === null ? null : sha256Hex(new TextEncoder().encode(parts.log)),
        failure_code: parts.failureCode,
        proof_sha256: parts.proofSha256,
      }),
    )
    .digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
