/**
 * The source of time, passed in rather than read from a global so that code stays testable and
 * deterministic (a simulation drives a fake clock; the hub passes the system's).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}
