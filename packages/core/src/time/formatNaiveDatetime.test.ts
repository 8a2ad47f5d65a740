import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatNaiveDatetime } from './formatNaiveDatetime.ts';

it("formats instants the way seed 004's clients parse them: UTC, whole seconds, no offset", () => {
  assert.equal(formatNaiveDatetime(new Date(Date.UTC(2024, 7, 9, 4, 20, 31, 999))), '2024-08-09T04:20:31');
});
