import { formatNaiveDatetime } from '@proofgrid/core';

/** Seed 004's datetime: UTC without a zone (`YYYY-MM-DDTHH:MM:SS`). */
export function naive(date: Date | null): string | null {
  return date === null ? null : formatNaiveDatetime(date);
}

/** ProofGrid's own datetimes: RFC 3339 in UTC. */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
