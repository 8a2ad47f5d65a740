import type { CommandIo } from '../cli/io.ts';

/** How long a stopping server may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Keeps a foreground server (`hub start`, `node start`) running until SIGINT or SIGTERM, then runs `close`
 * and resolves with exit code 0. A second signal, or a `close` slower than the grace period, exits at once.
 */
export function untilSignal(io: CommandIo, what: string, close: () => Promise<void>): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        io.err(`${signal} again: exiting at once.`);
        process.exit(1);
      }
      stopping = true;
      io.out(`${signal} received: stopping the ${what}...`);
      const force = setTimeout(() => {
        io.err(`the ${what} is still stopping after ${SHUTDOWN_GRACE_MS} ms: exiting anyway.`);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      await close();
      clearTimeout(force);
      io.out(`${what} stopped.`);
      resolveExit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });
}
