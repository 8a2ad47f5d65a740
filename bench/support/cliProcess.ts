// Real `proofgrid` processes for benchmarks: a hub on a free port, workers, their output and CPU pid.
import { spawn } from 'node:child_process';

const CLI = new URL('../../packages/cli/bin/proofgrid.js', import.meta.url).pathname;

export type CliProcess = { pid: number; output: () => string; stop: () => Promise<void> };

/** Starts `proofgrid <args>`; `nodeOptions` go to Node (e.g. --cpu-prof). */
export function launchCli(
  args: string[],
  onOutput?: (text: string) => void,
  nodeOptions: string[] = [],
): CliProcess {
  const child = spawn(process.execPath, [...nodeOptions, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk;
    onOutput?.(output);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return {
    pid: child.pid ?? 0,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `proofgrid hub start` on a free port; resolves once it prints its URL. */
export function startHub(args: string[], nodeOptions: string[] = []): Promise<CliProcess & { url: string }> {
  return new Promise((resolve, reject) => {
    let started = false;
    const hub = launchCli(
      ['hub', 'start', '--port', '0', ...args],
      (output) => {
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1] && !started) {
          started = true;
          resolve({ ...hub, url: match[1] });
        }
      },
      nodeOptions,
    );
    setTimeout(() => {
      if (!started) reject(new Error(`the hub did not start within 60 s:\n${hub.output()}`));
    }, 60_000).unref();
  });
}
