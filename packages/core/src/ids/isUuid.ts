const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * True for a UUID in its canonical text form, lowercase. Every id in the API is one (seed 004 used UUID v4
 * strings); ids from outside are checked with this before they reach a query. Uppercase is refused, not
 * folded: the database would match it while the hub's own comparisons (an id against the one a statement
 * returns) would not, and an id is either the one the hub gave out or not found.
 */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}
