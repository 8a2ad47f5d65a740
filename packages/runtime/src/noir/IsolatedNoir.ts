import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { assert, decodeBase64, type ErrorCode, ProofGridError } from '@proofgrid/core';
import { forkSibling } from '../forkSibling.ts';
import type { NoirCircuit } from './compileNoir.ts';
import { NoirCompileError } from './errors.ts';
import type { NoirValue } from './noirAbi.ts';

export type NoirJobRequest =
  | { kind: 'compile'; files: { path: string; data: Uint8Array }[]; crsPath: string }
  | { kind: 'execute'; circuit: NoirCircuit; values: NoirValue[] };

export type NoirJobReply =
  | { ok: true; kind: 'ready' }
  | { ok: true; kind: 'compile'; circuit: NoirCircuit; verificationKey: string }
  | { ok: true; kind: 'execute'; witness: string }
  | { ok: false; code: ErrorCode | null; message: string; details: string | null };

export type IsolatedNoirOptions = {
  crsPath: string;
  /** Wall time one job may take, loading the compiler included. */
  jobTimeMsMax: number;
  /** Resident memory the job's process may reach before it is killed. */
  memoryBytesMax: number;
  /** Jobs running at once; the rest wait in line. */
  concurrency: number;
  /** Jobs waiting at most; past this a job is refused at once (TOO_MANY_REQUESTS). */
  queuedMax: number;
};

/** How often the memory of a running job is read. */
const MEMORY_POLL_MS = 100;

/**
 * Compiles and executes Noir programs in child processes, one process per job, bounded in time and
 * memory and queued, so that a program built to be slow or huge costs a process the hub kills, never the
 * hub's event loop or heap. Compiling also computes the verification key (with the CRS).
 */
export class IsolatedNoir {
  readonly #options: IsolatedNoirOptions;
  #running = 0;
  #closed = false;
  readonly #waiting: { start: () => void; refuse: (error: Error) => void }[] = [];
  readonly #children = new Set<ChildProcess>();

  constructor(options: IsolatedNoirOptions) {
    assert(options.concurrency >= 1 && options.queuedMax >= 0, 'a pool runs at least one job');
    this.#options = options;
  }

  /**
   * Compiles a Noir project and computes its verification key.
   *
   * @throws NOIR_COMPILE_FAILED (also when it takes too long or too much memory), INVALID_NOIR_PROGRAM,
   *   CIRCUIT_TOO_LARGE, TOO_MANY_REQUESTS
   */
  async compile(
    files: readonly { path: string; data: Uint8Array }[],
  ): Promise<{ circuit: NoirCircuit; verificationKey: Uint8Array }> {
    const reply = await this.#run({ kind: 'compile', files: [...files], crsPath: this.#options.crsPath });
    assert(reply.kind === 'compile', 'a compile job answers with a circuit');
    const verificationKey = decodeBase64(reply.verificationKey);
    assert(verificationKey !== undefined, 'the child encodes the key in base64');
    return { circuit: reply.circuit, verificationKey };
  }

  /**
   * Executes a circuit on values; returns the gzipped witness.
   *
   * @throws NOIR_EXECUTION_FAILED (the program fails on them), NOIR_COMPILE_FAILED (too slow or too large to
   *   run here), TOO_MANY_REQUESTS
   */
  async execute(circuit: NoirCircuit, values: readonly NoirValue[]): Promise<Uint8Array> {
    const reply = await this.#run({ kind: 'execute', circuit, values: [...values] });
    assert(reply.kind === 'execute', 'an execute job answers with a witness');
    const witness = decodeBase64(reply.witness);
    assert(witness !== undefined, 'the child encodes the witness in base64');
    return witness;
  }

  /** Kills the jobs that run and refuses those that wait, and any asked for later. */
  close(): void {
    this.#closed = true;
    for (const child of this.#children) killGroup(child);
    this.#children.clear();
    for (const waiting of this.#waiting.splice(0)) waiting.refuse(stopping());
  }

  async #run(request: NoirJobRequest): Promise<Exclude<NoirJobReply, { ok: false } | { kind: 'ready' }>> {
    if (this.#closed) throw stopping();
    if (this.#running >= this.#options.concurrency) {
      if (this.#waiting.length >= this.#options.queuedMax)
        throw new ProofGridError('TOO_MANY_REQUESTS', {
          shortMessage: `The hub is compiling or checking ${this.#running + this.#waiting.length} Noir programs already.`,
          details: 'Try again in a minute.',
          action: 'retry_later',
        });
      await new Promise<void>((start, refuse) => this.#waiting.push({ start, refuse }));
    }
    this.#running += 1;
    try {
      return await this.#inChild(request);
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.start();
    }
  }

  #inChild(request: NoirJobRequest): Promise<Exclude<NoirJobReply, { ok: false } | { kind: 'ready' }>> {
    const child = forkSibling(import.meta.url, 'noirJobProcess', {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Its own process group, so that killing it also kills the `bb` it may have started.
      detached: true,
    });
    this.#children.add(child);
    const { jobTimeMsMax, memoryBytesMax } = this.#options;
    return new Promise((resolve, reject) => {
      let settled = false;
      const stop = (error: Error | undefined, reply?: NoirJobReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(memory);
        child.off('message', onMessage);
        child.off('exit', onExit);
        this.#children.delete(child);
        killGroup(child);
        if (error !== undefined) reject(error);
        else if (reply?.ok && reply.kind !== 'ready') resolve(reply);
      };
      const timer = setTimeout(
        () => stop(tooCostly(request, `it took longer than ${Math.round(jobTimeMsMax / 1000)} s`)),
        jobTimeMsMax,
      );
      const memory = setInterval(() => {
        const rss = residentBytes(child.pid);
        if (rss > memoryBytesMax)
          stop(
            tooCostly(request, `it needed more than ${Math.round(memoryBytesMax / 2 ** 20)} MiB of memory`),
          );
      }, MEMORY_POLL_MS);
      const onMessage = (reply: NoirJobReply) => {
        if (reply.ok && reply.kind === 'ready') {
          child.send(request);
          return;
        }
        if (reply.ok) stop(undefined, reply);
        else
          stop(
            new ProofGridError(reply.code ?? 'NOIR_COMPILE_FAILED', {
              shortMessage: reply.message,
              details: reply.details ?? undefined,
            }),
          );
      };
      // An answer sent just before the exit may still be on its way: look once more before giving up.
      const onExit = (code: number | null, signal: string | null) =>
        setImmediate(() =>
          stop(tooCostly(request, `its process stopped (${signal ?? `exit code ${code}`})`)),
        );
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  }
}

function stopping(): Error {
  return new ProofGridError('VERIFIER_UNAVAILABLE', {
    shortMessage: 'The hub is stopping: this Noir job did not run.',
    details: 'Try again once the hub is back.',
    action: 'retry_later',
  });
}

/**
 * A job stopped for its cost: a program too costly to compile here is the program's fault; a run stopped
 * here says nothing about the program (the verdict is someone else's to give), so it is "could not run".
 */
function tooCostly(request: NoirJobRequest, reason: string): Error {
  if (request.kind === 'compile')
    return new NoirCompileError({ message: `compiling it was stopped: ${reason}.` });
  return new ProofGridError('VERIFIER_UNAVAILABLE', {
    shortMessage: `Running the Noir program on this input here was stopped: ${reason}.`,
    details: 'Try again later.',
    action: 'retry_later',
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The resident memory of a process, from Linux's /proc; 0 where that cannot be read (no limit then). */
function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}
