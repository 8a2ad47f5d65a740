import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as limits from './limits.ts';

it('keeps the limits consistent with each other', () => {
  assert.ok(
    limits.INPUT_VALUE_SIZE_BYTES_MAX * 2 <= limits.INPUT_CSV_SIZE_BYTES_MAX,
    'a CSV holds at least one value at its limit',
  );
  assert.ok(limits.PROOF_SIZE_BYTES_MAX <= limits.PROGRAM_SIZE_BYTES_MAX);
  assert.ok(limits.PASSWORD_LENGTH_MIN < limits.PASSWORD_LENGTH_MAX);
  assert.ok(limits.USERNAME_LENGTH_MIN < limits.USERNAME_LENGTH_MAX);
  assert.ok(
    limits.LEASE_TIMEOUT_SECONDS_MIN >= 1 &&
      limits.LEASE_TIMEOUT_SECONDS_MIN < limits.LEASE_TIMEOUT_SECONDS_MAX,
  );
  assert.equal(limits.PAGE_LIMIT_MAX, 50, 'seed 004 pages hold at most 50');
  assert.ok(limits.TAR_PATH_BYTES_MAX <= 255, 'ustar name + prefix');
});
