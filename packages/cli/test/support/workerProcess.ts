import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const CLI = new URL('../../bin/proofgrid.js', import.meta.url).pathname;

export type WorkerProcess = {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output: () => string;
  /** Sends a signal and resolves with the exit code (null when a signal ended it). */
  stop: (signal: NodeJS.Signals) => Promise<number | null>;
};

/** Starts `proofgrid worker start` against a hub, with its own data directory. */
export function startWorkerProcess(hubUrl: string, dataDir: string, args: string[] = []): WorkerProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', 'start', '--hub', hubUrl, '--data-dir', dataDir, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return {
    child,
    output: () => output,
    stop: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}
