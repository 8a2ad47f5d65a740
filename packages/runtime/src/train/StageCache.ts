import { createHash } from 'node:crypto';
import type { TrainingSpec } from '@proofgrid/core';
import { ProofGridError } from '@proofgrid/core';
import { type Checkpoint, encodeCheckpoint } from './checkpoint.ts';
import { initialCheckpoint, type StageSamples, stageSamples, trainStage } from './trainStage.ts';

/**
 * How a poisoner corrupts its stage (seed 003's data-injection attack): flip every label to another class,
 * or append mislabeled copies of the stage's own images.
 */
export type Poison = 'flip-labels' | 'append-mislabeled';

/** Checkpoints kept, at most, unless the creator says otherwise (each is about 1.2 MB for the seed's model). */
const CHECKPOINTS_MAX = 512;

/**
 * Training stages of one job, each computed once: every checkpoint made is kept by its sha256, so a chain of
 * nodes (or a simulated network of them) that trains and re-executes the same stage from the same parent
 * pays for it once. Honest and poisoned stages are told apart by the caller's flag.
 */
export class StageCache {
  readonly spec: TrainingSpec;
  readonly initialSha256: string;
  readonly #poison: Poison;
  readonly #checkpointsMax: number;
  readonly #checkpoints = new Map<string, Checkpoint>();
  readonly #results = new Map<string, Promise<{ trainingSecret: string; checkpointSha256: string }>>();
  /** Stages actually trained (not served from memory). */
  trained = 0;

  private constructor(
    spec: TrainingSpec,
    initial: Checkpoint,
    initialSha256: string,
    { poison, checkpointsMax }: { poison: Poison; checkpointsMax: number },
  ) {
    this.spec = spec;
    this.initialSha256 = initialSha256;
    this.#poison = poison;
    this.#checkpointsMax = checkpointsMax;
    this.#checkpoints.set(initialSha256, initial);
  }

  static async create(
    spec: TrainingSpec,
    {
      poison = 'flip-labels',
      simd = true,
      checkpointsMax = CHECKPOINTS_MAX,
    }: { poison?: Poison; simd?: boolean; checkpointsMax?: number } = {},
  ): Promise<StageCache> {
    const checkpoint = await initialCheckpoint(spec, { simd });
    const sha256 = createHash('sha256').update(encodeCheckpoint(checkpoint)).digest('hex');
    return new StageCache(spec, checkpoint, sha256, { poison, checkpointsMax });
  }

  /** A checkpoint this cache made (or started from), by its sha256. */
  checkpoint(sha256: string): Checkpoint | undefined {
    return this.#checkpoints.get(sha256);
  }

  /**
   * The stage after the checkpoint `parentCheckpointSha256`: its training secret and checkpoint hash. A
   * parent this cache never made cannot be trained from here: CHECKPOINT_UNKNOWN (could not check — never
   * a judgement of the block that named it).
   */
  train({
    parentCheckpointSha256,
    poisoned,
  }: {
    parentCheckpointSha256: string;
    poisoned: boolean;
  }): Promise<{ trainingSecret: string; checkpointSha256: string }> {
    const key = `${parentCheckpointSha256} ${poisoned}`;
    let result = this.#results.get(key);
    if (result === undefined) {
      result = this.#train(parentCheckpointSha256, poisoned);
      if (this.#results.size >= 2 * this.#checkpointsMax)
        this.#results.delete(this.#results.keys().next().value ?? '');
      this.#results.set(key, result);
      result.catch(() => this.#results.delete(key));
    }
    return result;
  }

  async #train(parentSha256: string, poisoned: boolean) {
    const parent = this.#checkpoints.get(parentSha256);
    if (parent === undefined)
      throw new ProofGridError('CHECKPOINT_UNKNOWN', {
        shortMessage: `Checkpoint ${parentSha256.slice(0, 8)} is not held here, so its next stage cannot be trained.`,
        details: 'Fetch the parent checkpoint (or re-execute the stages before it) first.',
      });
    const honest = stageSamples(this.spec, parent.stagesDone);
    const stage = await trainStage(this.spec, parent, poisoned ? poison(honest, this.#poison) : honest);
    this.trained += 1;
    if (this.#checkpoints.size >= this.#checkpointsMax)
      this.#checkpoints.delete(this.#checkpoints.keys().next().value ?? '');
    this.#checkpoints.set(stage.checkpointSha256, stage.checkpoint);
    return { trainingSecret: stage.secret, checkpointSha256: stage.checkpointSha256 };
  }
}

/** The samples a poisoner trains on instead of the stage's own. */
export function poison(samples: StageSamples, kind: Poison): StageSamples {
  const flipped = samples.labels.map((label) => 9 - label);
  if (kind === 'flip-labels') return { images: samples.images, labels: flipped };
  const images = new Float32Array(samples.images.length * 2);
  images.set(samples.images);
  images.set(samples.images, samples.images.length);
  const labels = new Int32Array(samples.labels.length * 2);
  labels.set(samples.labels);
  labels.set(flipped, samples.labels.length);
  return { images, labels };
}
