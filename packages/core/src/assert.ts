/**
 * Thrown by {@link assert} when an invariant does not hold. It signals a bug in ProofGrid, never bad input:
 * nothing should catch it.
 */
export class AssertionError extends Error {
  override name = 'AssertionError' as const;
}

/**
 * Asserts one invariant. Expected failures (bad input, timeouts) are typed errors instead; an assertion that
 * fails means the code itself is wrong, so it stays on in production.
 *
 * @example
 * assert(offset % 512 === 0, 'tar entries start on a block boundary');
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`Assertion failed: ${message}`);
}
