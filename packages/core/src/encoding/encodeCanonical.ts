import { ProofGridError } from '../errors/base.ts';

/** Nesting allowed in a canonical value; deeper structures are refused, not recursed into. */
export const CANONICAL_DEPTH_MAX = 32;

/** A value that has exactly one canonical encoding. */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

/**
 * Encodes a value as canonical JSON (UTF-8): object keys sorted by code unit, no whitespace, integers only
 * (no floats, whose text forms differ between languages), at most {@link CANONICAL_DEPTH_MAX} deep. Two
 * parties that encode the same value get the same bytes, which is what a signature covers.
 *
 * @throws VALIDATION_FAILED for non-integer numbers, undefined values or nesting past the limit
 * @example
 * new TextDecoder().decode(encodeCanonical({ b: 1, a: [true, null] })); // '{"a":[true,null],"b":1}'
 */
export function encodeCanonical(value: CanonicalValue): Uint8Array {
  return new TextEncoder().encode(canonicalText(value, 0));
}

function canonicalText(value: CanonicalValue, depth: number): string {
  if (depth > CANONICAL_DEPTH_MAX) throw invalid(`it is nested deeper than ${CANONICAL_DEPTH_MAX} levels`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalid(`${value} is not a safe integer`);
    return String(value);
  }
  if (Array.isArray(value))
    return `[${value.map((item: CanonicalValue) => canonicalText(item, depth + 1)).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => {
      const item = (value as { readonly [key: string]: CanonicalValue })[key];
      if (item === undefined) throw invalid(`the key "${key}" has no value`);
      return `${JSON.stringify(key)}:${canonicalText(item, depth + 1)}`;
    });
  return `{${entries.join(',')}}`;
}

function invalid(reason: string): ProofGridError {
  return new ProofGridError('VALIDATION_FAILED', {
    shortMessage: `The value has no canonical encoding: ${reason}.`,
    details: 'Use strings for fractional or very large numbers.',
  });
}
