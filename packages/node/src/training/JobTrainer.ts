import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INITIAL_CHECKPOINT, type Stage } from '@proofgrid/chain';
import { parseTrainingSpec, type TrainingSpec } from '@proofgrid/core';
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  type Poison,
  StageCache,
  testAccuracy,
} from '@proofgrid/runtime/train';

/** Jobs' stage caches kept at once (the default model's is always kept). */
const JOB_CACHES_MAX = 4;
/**
 * Checkpoints each cache keeps (about 1.2 MB each for the seed's model): enough to judge forks a few dozen
 * blocks deep and serve recent downloads; a finished job's model is on disk.
 */
const CHECKPOINTS_PER_CACHE = 64;
/** Accuracies remembered (by checkpoint). */
const ACCURACIES_MAX = 256;

/**
 * The node's training: the default model's stages (the genesis's job) and those of the jobs on chain, each
 * job with its own stage cache, made on first use from the spec the chain holds. A job's first stage starts
 * from its spec's initial weights, which every node computes itself. Finished jobs' final checkpoints are
 * written to `directory`, so they can be downloaded after the caches have moved on.
 */
export class JobTrainer {
  readonly defaultCache: StageCache;
  readonly #caches = new Map<string, Promise<StageCache>>();
  readonly #accuracies = new Map<string, Promise<number>>();
  readonly #poison: Poison;
  readonly #directory: string;
  /** Stages actually trained, over every cache. */
  get trained(): number {
    return this.defaultCache.trained + this.#jobTrained;
  }
  #jobTrained = 0;

  private constructor(defaultCache: StageCache, poison: Poison, directory: string) {
    this.defaultCache = defaultCache;
    this.#poison = poison;
    this.#directory = directory;
  }

  static async create(spec: TrainingSpec, { poison, directory }: { poison: Poison; directory: string }) {
    mkdirSync(directory, { recursive: true });
    return new JobTrainer(
      await StageCache.create(spec, { poison, checkpointsMax: CHECKPOINTS_PER_CACHE }),
      poison,
      directory,
    );
  }

  #cacheFor(spec: string): Promise<StageCache> {
    let cache = this.#caches.get(spec);
    if (cache !== undefined) {
      // Least recently trained goes first: the job being trained stays.
      this.#caches.delete(spec);
      this.#caches.set(spec, cache);
    } else {
      cache = StageCache.create(parseTrainingSpec(JSON.parse(spec)), {
        poison: this.#poison,
        checkpointsMax: CHECKPOINTS_PER_CACHE,
      });
      if (this.#caches.size >= JOB_CACHES_MAX) this.#caches.delete(this.#caches.keys().next().value ?? '');
      this.#caches.set(spec, cache);
      cache.catch(() => this.#caches.delete(spec));
    }
    return cache;
  }

  async train(
    stage: Stage & { poisoned: boolean },
  ): Promise<{ trainingSecret: string; checkpointSha256: string }> {
    if (stage.spec === undefined) return this.defaultCache.train(stage);
    const cache = await this.#cacheFor(stage.spec);
    const before = cache.trained;
    const parent =
      stage.parentCheckpointSha256 === INITIAL_CHECKPOINT
        ? cache.initialSha256
        : stage.parentCheckpointSha256;
    const result = await cache.train({ parentCheckpointSha256: parent, poisoned: stage.poisoned });
    this.#jobTrained += cache.trained - before;
    return result;
  }

  /** A checkpoint by sha256, from the caches or the disk; undefined when this node does not hold it. */
  async checkpoint(sha256: string, spec: string | null): Promise<Checkpoint | undefined> {
    // Only training makes a cache: a download or an accuracy asked over HTTP never evicts the one in use.
    const cache = spec === null ? this.defaultCache : await this.#caches.get(spec)?.catch(() => undefined);
    const held = cache?.checkpoint(sha256);
    if (held !== undefined) return held;
    try {
      const bytes = readFileSync(join(this.#directory, `${sha256}.ckpt`));
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) return undefined;
      return decodeCheckpoint(bytes, this.#specOf(spec));
    } catch {
      return undefined;
    }
  }

  #specOf(spec: string | null): TrainingSpec {
    return spec === null ? this.defaultCache.spec : parseTrainingSpec(JSON.parse(spec));
  }

  /** Writes a checkpoint this node holds to disk (a finished job's model), atomically. */
  async keep(sha256: string, spec: string): Promise<void> {
    const checkpoint = await this.checkpoint(sha256, spec);
    if (checkpoint === undefined) return;
    const path = join(this.#directory, `${sha256}.ckpt`);
    writeFileSync(`${path}.tmp`, encodeCheckpoint(checkpoint));
    renameSync(`${path}.tmp`, path);
  }

  /** Test accuracy on MNIST's 10,000 test images of a checkpoint this node holds, or undefined. */
  async accuracy(sha256: string, spec: string | null): Promise<number | undefined> {
    let accuracy = this.#accuracies.get(sha256);
    if (accuracy === undefined) {
      const checkpoint = await this.checkpoint(sha256, spec);
      if (checkpoint === undefined) return undefined;
      accuracy = testAccuracy(this.#specOf(spec), checkpoint);
      if (this.#accuracies.size >= ACCURACIES_MAX)
        this.#accuracies.delete(this.#accuracies.keys().next().value ?? '');
      this.#accuracies.set(sha256, accuracy);
      accuracy.catch(() => this.#accuracies.delete(sha256));
    }
    return accuracy;
  }
}
