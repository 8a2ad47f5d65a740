/**
 * Categories (iExec's): the size of a task, as a time reference T from which its deadlines follow. A
 * worker must contribute within 7 T of the deal's start and the task must be finished within 10 T; past
 * that it can be claimed (the requester is refunded and the pool's stake seized).
 */
export type Category = { name: string; referenceSeconds: number };

export const CONTRIBUTION_DEADLINE_FACTOR = 7;
export const FINAL_DEADLINE_FACTOR = 10;

/** iExec's five categories. A hub may add its own (`hub start --category name=seconds`). */
export const DEFAULT_CATEGORIES: readonly Category[] = [
  { name: 'XS', referenceSeconds: 300 },
  { name: 'S', referenceSeconds: 1_200 },
  { name: 'M', referenceSeconds: 3_600 },
  { name: 'L', referenceSeconds: 10_800 },
  { name: 'XL', referenceSeconds: 36_000 },
];

export const CATEGORY_NAME = /^[A-Za-z0-9_-]{1,16}$/;
/** A category's reference is between 1 s and 10 days. */
export const CATEGORY_SECONDS_MAX = 864_000;

/** The deadlines of a task of `category` in a deal made at `startMs`. */
export function categoryDeadlines(
  category: Category,
  startMs: number,
): { contributionDeadlineMs: number; finalDeadlineMs: number } {
  const t = category.referenceSeconds * 1000;
  return {
    contributionDeadlineMs: startMs + CONTRIBUTION_DEADLINE_FACTOR * t,
    finalDeadlineMs: startMs + FINAL_DEADLINE_FACTOR * t,
  };
}
