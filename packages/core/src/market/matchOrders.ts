import type { Category } from './categories.ts';
import type { PoolOrder, ProgramOrder, RequestOrder } from './orders.ts';

/** What each order has left: its volume less what deals consumed (0 once cancelled). */
export type Remaining = { program: number; pool: number; request: number };

export type Match =
  | {
      ok: true;
      volume: number;
      programPrice: number;
      poolPrice: number;
      /** The deal's tag: the program's and the request's together. */
      tag: string[];
      category: Category;
      /** The request's trust: the deal is held to what the requester asked for. */
      trust: number;
    }
  /** Every rule that failed, each in a sentence naming the values that did not fit. */
  | { ok: false; reasons: string[] };

/**
 * PoCo's matching rules: the same category, which must exist; the request's trust at most the pool's;
 * every price within the request's maximum; the pool's tag holding every tag of the program and the
 * request; the request naming this program (and this pool, if it names one); every restriction empty or
 * equal to its counterpart; the volume the smallest remainder, above 0. Pure: the hub calls it with the
 * orders locked, so two fills never both take the last unit.
 */
export function matchOrders({
  program,
  pool,
  request,
  remaining,
  categories,
}: {
  program: ProgramOrder;
  pool: PoolOrder;
  request: RequestOrder;
  remaining: Remaining;
  categories: readonly Category[];
}): Match {
  const reasons: string[] = [];
  const category = categories.find((item) => item.name === request.category);
  if (category === undefined)
    reasons.push(
      `category "${request.category}" does not exist (there are ${categories.map((c) => c.name).join(', ')})`,
    );
  if (pool.category !== request.category)
    reasons.push(`the pool order is in category "${pool.category}", the request in "${request.category}"`);
  if (request.trust > pool.trust)
    reasons.push(`the request asks for trust ${request.trust}, the pool order offers at most ${pool.trust}`);
  if (request.program !== program.program)
    reasons.push(`the request is for program ${request.program}, the program order sells ${program.program}`);
  if (program.price > request.program_max_price)
    reasons.push(
      `the program's price ${program.price} nano is above the request's maximum ${request.program_max_price} nano`,
    );
  if (pool.price > request.pool_max_price)
    reasons.push(
      `the pool's price ${pool.price} nano is above the request's maximum ${request.pool_max_price} nano`,
    );
  const tag = [...new Set([...program.tag, ...request.tag])].sort();
  const missing = tag.filter((item) => !pool.tag.includes(item));
  if (missing.length > 0)
    reasons.push(
      `the pool order's tags [${pool.tag.join(', ')}] lack ${missing.map((t) => `"${t}"`).join(', ')}`,
    );
  const restricted = (restriction: string, actual: string, what: string) => {
    if (restriction !== '' && restriction !== actual)
      reasons.push(`${what} is restricted to ${restriction}, not ${actual}`);
  };
  restricted(request.pool, pool.pool, "the request's pool");
  restricted(program.pool_restrict, pool.pool, "the program order's pool");
  restricted(program.requester_restrict, request.requester, "the program order's requester");
  restricted(pool.program_restrict, program.program, "the pool order's program");
  restricted(pool.requester_restrict, request.requester, "the pool order's requester");
  for (const [name, left] of Object.entries(remaining))
    if (left <= 0) reasons.push(`the ${name} order has no volume left (consumed or cancelled)`);
  if (reasons.length > 0 || category === undefined) return { ok: false, reasons };
  return {
    ok: true,
    volume: Math.min(remaining.program, remaining.pool, remaining.request),
    programPrice: program.price,
    poolPrice: pool.price,
    tag,
    category,
    trust: request.trust,
  };
}
