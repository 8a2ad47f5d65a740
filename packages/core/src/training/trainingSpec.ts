import { ProofGridError } from '../errors/base.ts';

/** The layers a training job may declare: enough for the seed's MNIST model and its kin. */
export type LayerSpec =
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation: 'relu' | 'softmax' | 'linear' };

/**
 * A training job: the model, how it learns and on what. Every field is part of the protocol: two nodes
 * with the same spec and the same checkpoint compute the same stage, bit for bit.
 */
export type TrainingSpec = {
  layers: LayerSpec[];
  optimizer: { type: 'adam'; learningRate: number };
  loss: 'sparse_categorical_crossentropy';
  /** Seeds the initial weights (TensorFlow.js initializers, one seed per layer derived from it). */
  seed: number;
  dataset: 'mnist';
  /** Samples per stage, each one optimizer step (the seed's batch of 10, trained sample by sample). */
  samplesPerStage: number;
  /** Stages the job asks for. */
  stages: number;
};

/** Seed 003's job: Flatten 28×28 → Dense 128 relu → Dense 10 softmax, Adam 1e-3, TF seed 42, MNIST. */
export const DEFAULT_TRAINING_SPEC: TrainingSpec = {
  layers: [
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 1e-3 },
  loss: 'sparse_categorical_crossentropy',
  seed: 42,
  dataset: 'mnist',
  samplesPerStage: 10,
  stages: 6000,
};

/** Limits: a stage must stay a few tens of milliseconds, and a checkpoint a few megabytes. */
export const TRAIN_LAYERS_MAX = 8;
export const TRAIN_UNITS_MAX = 1024;
export const TRAIN_PARAMETERS_MAX = 2_000_000;
export const TRAIN_SAMPLES_PER_STAGE_MAX = 100;
export const TRAIN_STAGES_MAX = 1_000_000;
/** Every dataset's inputs are flattened to this many values (MNIST's 28×28 images). */
const INPUT_SIZE = 784;
const CLASSES = 10;

/**
 * Checks a training job's spec (as JSON) against what the runtime takes and returns it typed.
 *
 * @throws INVALID_TRAINING_SPEC naming the field and what it may be
 */
export function parseTrainingSpec(value: unknown): TrainingSpec {
  const fail = (field: string, rule: string): never => {
    throw new ProofGridError('INVALID_TRAINING_SPEC', {
      shortMessage: `The training spec's ${field} ${rule}.`,
      details: 'Start from the default MNIST job (DEFAULT_TRAINING_SPEC) and change one field at a time.',
    });
  };
  const object = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(field, 'must be an object');
  const integer = (v: unknown, field: string, min: number, max: number): number =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : fail(field, `must be a whole number from ${min} to ${max}`);
  const spec = object(value, 'spec');
  const known = ['layers', 'optimizer', 'loss', 'seed', 'dataset', 'samplesPerStage', 'stages'];
  for (const key of Object.keys(spec))
    if (!known.includes(key)) fail(`field "${key}"`, `is unknown (known: ${known.join(', ')})`);
  if (!Array.isArray(spec.layers) || spec.layers.length < 2 || spec.layers.length > TRAIN_LAYERS_MAX)
    fail('layers', `must be a list of 2 to ${TRAIN_LAYERS_MAX} layers`);
  const layers = (spec.layers as unknown[]).map((raw, i): LayerSpec => {
    const layer = object(raw, `layers[${i}]`);
    if (layer.type === 'flatten') {
      if (i !== 0) fail(`layers[${i}]`, 'may be "flatten" only as the first layer');
      return { type: 'flatten' };
    }
    if (layer.type !== 'dense') return fail(`layers[${i}].type`, 'must be "flatten" or "dense"');
    const activation = layer.activation;
    if (activation !== 'relu' && activation !== 'softmax' && activation !== 'linear')
      fail(`layers[${i}].activation`, 'must be "relu", "softmax" or "linear"');
    return {
      type: 'dense',
      units: integer(layer.units, `layers[${i}].units`, 1, TRAIN_UNITS_MAX),
      activation: activation as 'relu' | 'softmax' | 'linear',
    };
  });
  const dense = layers.filter(
    (layer): layer is Extract<LayerSpec, { type: 'dense' }> => layer.type === 'dense',
  );
  const last = dense.at(-1);
  if (
    last === undefined ||
    last.units !== CLASSES ||
    last.activation !== 'softmax' ||
    layers.at(-1)?.type !== 'dense'
  )
    fail('last layer', `must be dense with ${CLASSES} units and softmax (one probability per class)`);
  if (dense.slice(0, -1).some((layer) => layer.activation === 'softmax'))
    fail('layers', 'may use softmax only in the last layer');
  let parameters = 0;
  let width = INPUT_SIZE;
  for (const layer of dense) {
    parameters += width * layer.units + layer.units;
    width = layer.units;
  }
  if (parameters > TRAIN_PARAMETERS_MAX)
    fail('layers', `must have at most ${TRAIN_PARAMETERS_MAX} weights (these have ${parameters})`);
  const optimizer = object(spec.optimizer, 'optimizer');
  if (optimizer.type !== 'adam') fail('optimizer.type', 'must be "adam"');
  const learningRate = optimizer.learningRate;
  if (typeof learningRate !== 'number' || !(learningRate > 0 && learningRate <= 1))
    fail('optimizer.learningRate', 'must be a number above 0 and at most 1');
  if (spec.loss !== 'sparse_categorical_crossentropy')
    fail('loss', 'must be "sparse_categorical_crossentropy"');
  if (spec.dataset !== 'mnist') fail('dataset', 'must be "mnist"');
  return {
    layers,
    optimizer: { type: 'adam', learningRate: learningRate as number },
    loss: 'sparse_categorical_crossentropy',
    seed: integer(spec.seed, 'seed', 0, 2 ** 31 - 1),
    dataset: 'mnist',
    samplesPerStage: integer(spec.samplesPerStage, 'samplesPerStage', 1, TRAIN_SAMPLES_PER_STAGE_MAX),
    stages: integer(spec.stages, 'stages', 1, TRAIN_STAGES_MAX),
  };
}
