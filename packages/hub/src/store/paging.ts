import { assert, PAGE_LIMIT_MAX } from '@proofgrid/core';

/** A page of a listing, as the API answers it (seed 004's `total_elements_amount`). */
export type Page = { limit: number; page: number };

/** Clamps `limit` to 1..50 (default 50) and `page` to ≥ 1 (default 1), as seed 004 did. */
export function toPage(query: { limit?: number | undefined; page?: number | undefined }): Page {
  const limit = Math.min(Math.max(query.limit ?? PAGE_LIMIT_MAX, 1), PAGE_LIMIT_MAX);
  const page = Math.max(query.page ?? 1, 1);
  return { limit, page };
}

/** SQL `LIMIT` / `OFFSET` values of a page. */
export function pageWindow({ limit, page }: Page): { limit: number; offset: number } {
  assert(limit >= 1 && limit <= PAGE_LIMIT_MAX && page >= 1, 'page was clamped by toPage');
  return { limit, offset: (page - 1) * limit };
}

/** Escapes `%`, `_` and `\` so user text matches literally as a `LIKE` prefix. */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
