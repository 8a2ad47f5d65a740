import { assert } from '../assert.ts';

/**
 * Formats a UTC instant the way seed 004 did (chrono's `NaiveDateTime`): `2024-08-09T04:20:31`, whole
 * seconds, no offset. Its clients parse exactly this form, so the API keeps it; the instant is UTC.
 *
 * @example
 * formatNaiveDatetime(new Date(Date.UTC(2024, 7, 9, 4, 20, 31))); // '2024-08-09T04:20:31'
 */
export function formatNaiveDatetime(date: Date): string {
  const iso = date.toISOString();
  assert(iso.endsWith('Z'), 'toISOString is UTC');
  return iso.slice(0, 19);
}
