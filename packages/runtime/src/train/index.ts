// The `train` runtime: deterministic training stages (seed 003's Proof of Training), apart from the
// package's main entry so that nothing else pays for loading TensorFlow.js.

// What a training job is belongs to the protocol (the chain checks it too): it lives in core.
export { DEFAULT_TRAINING_SPEC, type LayerSpec, parseTrainingSpec, type TrainingSpec } from '@proofgrid/core';
export {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  specSha256,
} from './checkpoint.ts';
export { mnist } from './mnist.ts';
export { type Poison, poison, StageCache } from './StageCache.ts';
export { assertEnvironment, type TrainEnvironment, trainBackend } from './trainBackend.ts';
export {
  initialCheckpoint,
  type StageResult,
  type StageSamples,
  stageSamples,
  testAccuracy,
  trainingSecret,
  trainStage,
} from './trainStage.ts';
