import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValidationError } from '../errors.ts';

/**
 * Compiles a checker for a multipart `data` field. Fastify validates JSON bodies from route schemas;
 * multipart fields arrive as text, so they are checked here against a TypeBox schema of the same kind.
 */
export function compileDataParser<T extends TSchema>(
  schema: T,
  example: string,
): (value: unknown) => Static<T> {
  const checker = TypeCompiler.Compile(schema);
  return (value) => {
    if (value === undefined) {
      throw new ValidationError({
        message: 'The request has no "data" field.',
        details: `Send the parameters as a multipart field named "data" holding JSON like ${example}.`,
      });
    }
    if (checker.Check(value)) return value;
    const first = checker.Errors(value).First();
    const where = first === undefined || first.path === '' ? 'data' : `data${first.path.replace(/\//g, '.')}`;
    throw new ValidationError({
      message: `The "data" field is invalid at ${where}: ${first?.message.toLowerCase() ?? 'it does not match'}.`,
      details: `Send it as JSON like ${example}.`,
    });
  };
}
