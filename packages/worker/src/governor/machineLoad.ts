import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Cumulative CPU times, in milliseconds, of the whole machine and of this worker (itself and its sandboxes). */
export type LoadCounters = { machineBusyMs: number; machineTotalMs: number; ownBusyMs: number };

/** Clock ticks per second of /proc's counters: 100 on every Linux ProofGrid runs on (USER_HZ). */
const PROC_TICKS_PER_SECOND = 100;

/**
 * Reads the counters now. Sandboxes are child processes: on Linux their CPU time comes from /proc; where
 * /proc is missing it is unknown and counted as zero, so only-when-idle may mistake the worker's own load
 * for the user's there (it then pauses, which errs on the donor's side).
 */
export function readLoadCounters(sandboxPids: readonly number[]): LoadCounters {
  let machineBusyMs = 0;
  let machineTotalMs = 0;
  for (const { times } of cpus()) {
    const busy = times.user + times.nice + times.sys + times.irq;
    machineBusyMs += busy;
    machineTotalMs += busy + times.idle;
  }
  const self = process.cpuUsage();
  let ownBusyMs = (self.user + self.system) / 1000;
  for (const pid of sandboxPids) ownBusyMs += processCpuMs(pid);
  return { machineBusyMs, machineTotalMs, ownBusyMs };
}

/**
 * The share of the machine (0..1) that other processes used between two readings. Sandboxes that were
 * replaced between the readings make `ownBusyMs` drop; the difference is then clamped, not trusted.
 */
export function otherBusyShare(before: LoadCounters, after: LoadCounters): number {
  const total = after.machineTotalMs - before.machineTotalMs;
  if (total <= 0) return 0;
  const busy = after.machineBusyMs - before.machineBusyMs;
  const own = Math.max(0, after.ownBusyMs - before.ownBusyMs);
  return Math.min(1, Math.max(0, (busy - own) / total));
}

/** User plus system CPU time of one process, from /proc/<pid>/stat; 0 when it cannot be read. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / PROC_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
