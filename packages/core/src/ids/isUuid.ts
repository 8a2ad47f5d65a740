const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID in its canonical text form. Every id in the API is one (seed 004 used UUID v4 strings);
 * ids from outside are checked with this before they reach a query.
 */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}
