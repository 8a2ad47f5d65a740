import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.ts';

/** Nesting and values a request may hold before it is refused unread: schemas bound sizes, this bounds walking. */
const DEPTH_MAX = 32;
const VALUES_MAX = 200_000;

/**
 * Where a parsed request value holds something no column can store or no limit can bound: a NUL character
 * (PostgreSQL text cannot hold one) or a number that is not finite (`1e309` parses as Infinity, and a
 * schema's `maximum` does not catch it once coerced). Returns the path and what is wrong, or undefined.
 */
export function findHostileValue(value: unknown): string | undefined {
  let seen = 0;
  const walk = (node: unknown, path: string, depth: number): string | undefined => {
    seen += 1;
    if (seen > VALUES_MAX || depth > DEPTH_MAX)
      return `${path}: it is nested too deeply or holds too many values`;
    if (typeof node === 'string')
      return node.includes('\u0000') ? `${path}: it holds a NUL character` : undefined;
    if (typeof node === 'number')
      return Number.isFinite(node) ? undefined : `${path}: ${node} is not a finite number`;
    if (typeof node !== 'object' || node === null) return undefined;
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) {
        const found = walk(item, `${path}[${index}]`, depth + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(node)) {
      if (key.includes('\u0000')) return `${path}: a key holds a NUL character`;
      const found = walk(item, `${path}.${key}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(value, '', 0);
}

/**
 * Refuses, after schema validation and before any handler, a request whose body, query or path holds a
 * value {@link findHostileValue} finds: 400 VALIDATION_FAILED naming the field, instead of a database error.
 */
export function rejectHostileInput(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    for (const [part, value] of [
      ['body', request.body],
      ['query', request.query],
      ['path', request.params],
    ] as const) {
      const found = findHostileValue(value);
      if (found !== undefined)
        throw new ValidationError({
          message: `The request's ${part} is invalid at ${part}${found}.`,
          details: 'Send text without NUL characters and numbers within their limits.',
        });
    }
  });
}
