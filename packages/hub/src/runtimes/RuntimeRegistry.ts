import {
  assert,
  InvalidManifestError,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  type TarEntry,
} from '@proofgrid/core';
import type { HubRuntime, ProgramArchive, Step } from './HubRuntime.ts';

/** What a worker offers to do: the runtimes it runs, and which steps of multi-step runtimes. */
export type StepOffer = {
  runtimes: readonly string[];
  /** `full`: run tasks whole and do follow-up steps; `execute`: hand off instead of running whole; `prove`: follow-up steps only. */
  role: 'full' | 'execute' | 'prove';
};

/**
 * The runtimes this hub serves, by name. The first that claims an archive takes it, the opaque runtime
 * (seed 004's programs) last, since it takes anything.
 */
export class RuntimeRegistry {
  readonly #runtimes: readonly HubRuntime[];

  constructor(runtimes: readonly HubRuntime[]) {
    assert(
      new Set(runtimes.map((runtime) => runtime.name)).size === runtimes.length,
      'runtime names are unique',
    );
    this.#runtimes = runtimes;
  }

  get names(): string[] {
    return this.#runtimes.map((runtime) => runtime.name);
  }

  /** The runtime of a stored program. */
  get(name: string): HubRuntime {
    const runtime = this.#runtimes.find((candidate) => candidate.name === name);
    assert(runtime !== undefined, `programs are stored only with a runtime this hub serves (${name})`);
    return runtime;
  }

  /** The runtime an uploaded archive belongs to, with its parsed manifest. @throws INVALID_MANIFEST */
  resolve(files: TarEntry[]): { runtime: HubRuntime; archive: ProgramArchive } {
    const manifestEntry = files.find((entry) => entry.path === MANIFEST_PATH && entry.type === 'file');
    const manifest: Manifest | null = manifestEntry === undefined ? null : parseManifest(manifestEntry.data);
    const archive = { files, manifest };
    const runtime = this.#runtimes.find((candidate) => candidate.claims(archive));
    if (runtime === undefined)
      throw new InvalidManifestError({
        reason: `no runtime of this hub (${this.names.join(', ')}) takes it`,
      });
    return { runtime, archive };
  }

  /**
   * The steps a worker's offer lets it take, per runtime: the first step of an open task (`direct`, or
   * `handoff` for an execute-only worker) and the follow-up of a handed-off one.
   */
  stepsFor(offer: StepOffer): { first: Map<string, Step>; followUp: Map<string, Step> } {
    const first = new Map<string, Step>();
    const followUp = new Map<string, Step>();
    for (const runtime of this.#runtimes.filter((candidate) => offer.runtimes.includes(candidate.name))) {
      const { direct, handoff, followUp: next } = runtime.steps;
      if (offer.role !== 'prove') {
        const step = offer.role === 'execute' ? (handoff ?? direct) : direct;
        if (step !== null) first.set(runtime.name, step);
      }
      if (offer.role !== 'execute' && next !== null) followUp.set(runtime.name, next);
    }
    return { first, followUp };
  }

  async close(): Promise<void> {
    for (const runtime of this.#runtimes) await runtime.close?.();
  }
}
