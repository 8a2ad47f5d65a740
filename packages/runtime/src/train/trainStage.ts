import { createHash } from 'node:crypto';
import type { TrainingSpec } from '@proofgrid/core';
import { assert, ProofGridError } from '@proofgrid/core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type Checkpoint, denseShapes, encodeCheckpoint, specSha256 } from './checkpoint.ts';
import { MNIST_PIXELS, mnist, scaledImages } from './mnist.ts';
import { assertEnvironment, trainBackend } from './trainBackend.ts';

/** Adam's constants (TensorFlow.js's defaults, as Keras's). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
/** Keras clips probabilities to [ε, 1 − ε] before the log of the cross-entropy. */
const PROBABILITY_CLIP = 1e-7;
/** Test images classified per batch when measuring accuracy. */
const EVALUATION_BATCH = 1000;

/** The samples a stage trains on: images (n × 784, scaled to [0, 1]) and their labels. */
export type StageSamples = { images: Float32Array; labels: Int32Array };

/** A trained stage: its losses, the secret they chain to, and the checkpoint after it. */
export type StageResult = {
  /** One loss per sample, float32, in training order. */
  losses: Float32Array;
  /** Seed 003's training secret: s0 = sha256("training_secret"), sk = sha256(float32_be(loss_k) ‖ s(k−1)). */
  secret: string;
  checkpoint: Checkpoint;
  checkpointBytes: Uint8Array;
  checkpointSha256: string;
};

/** The samples of stage `stage` of a job: the next `samplesPerStage` training images, wrapping around. */
export function stageSamples(spec: TrainingSpec, stage: number): StageSamples {
  const { train } = mnist();
  const images = new Float32Array(spec.samplesPerStage * MNIST_PIXELS);
  const labels = new Int32Array(spec.samplesPerStage);
  for (let k = 0; k < spec.samplesPerStage; k++) {
    const index = (stage * spec.samplesPerStage + k) % train.count;
    images.set(scaledImages(train, index, index + 1), k * MNIST_PIXELS);
    labels[k] = train.labels[index] ?? 0;
  }
  return { images, labels };
}

/** The job's model before any stage: kernels from TensorFlow.js's seeded Glorot initializer, zero biases. */
export async function initialCheckpoint(spec: TrainingSpec, { simd = true } = {}): Promise<Checkpoint> {
  const { tf, layers, environment } = await trainBackend({ simd });
  const sizes = denseShapes(spec);
  const weights: Float32Array[] = [];
  let width = MNIST_PIXELS;
  let index = 0;
  for (const layer of spec.layers) {
    if (layer.type !== 'dense') continue;
    const kernel = tf.tidy(() =>
      layers.initializers.glorotUniform({ seed: spec.seed + index }).apply([width, layer.units]),
    );
    weights.push(new Float32Array(await kernel.data()), new Float32Array(layer.units));
    kernel.dispose();
    width = layer.units;
    index += 1;
  }
  return {
    specSha256: specSha256(spec),
    environment,
    stagesDone: 0,
    weights,
    firstMoments: sizes.map((size) => new Float32Array(size)),
    secondMoments: sizes.map((size) => new Float32Array(size)),
    beta1Power: Math.fround(BETA1),
    beta2Power: Math.fround(BETA2),
  };
}

/**
 * Trains one stage from `parent`: one Adam step per sample, in order. The same spec, parent and samples
 * give the same bytes in any process on any CPU with the same environment; a parent made in another
 * environment is refused (TRAIN_ENVIRONMENT_MISMATCH), never judged.
 */
export async function trainStage(
  spec: TrainingSpec,
  parent: Checkpoint,
  samples: StageSamples = stageSamples(spec, parent.stagesDone),
): Promise<StageResult> {
  if (parent.specSha256 !== specSha256(spec))
    throw new ProofGridError('INVALID_CHECKPOINT', {
      shortMessage: 'The checkpoint is refused: it belongs to another training job.',
      details: "Train a stage from the checkpoint of the job's previous stage.",
    });
  const { tf, environment } = await trainBackend({ simd: parent.environment.simd });
  assertEnvironment(environment, parent.environment);
  const count = samples.labels.length;
  assert(samples.images.length === count * MNIST_PIXELS, 'one image per label');
  assert(
    samples.labels.every((label) => Number.isInteger(label) && label >= 0 && label < 10),
    'labels are classes 0 to 9',
  );
  const shapes = tensorShapes(spec);
  const variables = parent.weights.map((array, i) => tf.variable(tf.tensor(array, shapes[i])));
  const first = parent.firstMoments.map((array, i) => tf.variable(tf.tensor(array, shapes[i])));
  const second = parent.secondMoments.map((array, i) => tf.variable(tf.tensor(array, shapes[i])));
  const activations = spec.layers.flatMap((layer) => (layer.type === 'dense' ? [layer.activation] : []));
  const forward = (x: Tensor2D): Tensor => {
    let h: Tensor = x;
    activations.forEach((activation, i) => {
      const kernel = variables[2 * i] as Tensor2D;
      const bias = variables[2 * i + 1] as Tensor;
      const z = tf.add(tf.matMul(h as Tensor2D, kernel), bias);
      h = activation === 'relu' ? tf.relu(z) : activation === 'softmax' ? tf.softmax(z) : z;
    });
    return h;
  };
  const losses = new Float32Array(count);
  let beta1Power = parent.beta1Power;
  let beta2Power = parent.beta2Power;
  // Constants made once per stage: a number in an op would be uploaded as a new tensor every time.
  const constants = {
    beta1: tf.scalar(BETA1),
    oneMinusBeta1: tf.scalar(1 - BETA1),
    beta2: tf.scalar(BETA2),
    oneMinusBeta2: tf.scalar(1 - BETA2),
    epsilon: tf.scalar(EPSILON),
    learningRate: tf.scalar(spec.optimizer.learningRate),
  };
  const label = new Float32Array(10);
  try {
    for (let k = 0; k < count; k++) {
      label.fill(0);
      label[samples.labels[k] ?? 0] = 1;
      tf.tidy(() => {
        const x = tf.tensor2d(samples.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), [
          1,
          MNIST_PIXELS,
        ]);
        const y = tf.tensor2d(label, [1, 10]);
        const { value, grads } = tf.variableGrads(() => {
          const p = tf.clipByValue(tf.sum(tf.mul(forward(x), y)), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP);
          return tf.neg(tf.log(p)) as Scalar;
        }, variables);
        losses[k] = value.dataSync()[0] ?? Number.NaN;
        // Adam, as TensorFlow.js does it, with the running beta powers kept as float32 values.
        const correction1 = tf.scalar(Math.fround(1 - beta1Power));
        const correction2 = tf.scalar(Math.fround(1 - beta2Power));
        variables.forEach((variable, i) => {
          const g = grads[variable.name];
          assert(g !== undefined, 'every weight has a gradient');
          const m = first[i];
          const v = second[i];
          assert(m !== undefined && v !== undefined, 'one moment per weight');
          m.assign(tf.add(tf.mul(m, constants.beta1), tf.mul(g, constants.oneMinusBeta1)));
          v.assign(tf.add(tf.mul(v, constants.beta2), tf.mul(tf.square(g), constants.oneMinusBeta2)));
          const step = tf.div(
            tf.div(m, correction1),
            tf.add(tf.sqrt(tf.div(v, correction2)), constants.epsilon),
          );
          variable.assign(tf.sub(variable, tf.mul(step, constants.learningRate)));
        });
      });
      beta1Power = Math.fround(beta1Power * BETA1);
      beta2Power = Math.fround(beta2Power * BETA2);
    }
    const read = (tensors: Tensor[]) => tensors.map((t) => new Float32Array(t.dataSync()));
    const checkpoint: Checkpoint = {
      specSha256: parent.specSha256,
      environment,
      stagesDone: parent.stagesDone + 1,
      weights: read(variables),
      firstMoments: read(first),
      secondMoments: read(second),
      beta1Power,
      beta2Power,
    };
    const checkpointBytes = encodeCheckpoint(checkpoint);
    return {
      losses,
      secret: trainingSecret(losses),
      checkpoint,
      checkpointBytes,
      checkpointSha256: createHash('sha256').update(checkpointBytes).digest('hex'),
    };
  } finally {
    for (const tensor of [...variables, ...first, ...second, ...Object.values(constants)]) tensor.dispose();
  }
}

/** Seed 003's secret chain over a stage's losses (each as a big-endian float32). */
export function trainingSecret(losses: Float32Array): string {
  let secret = createHash('sha256').update('training_secret').digest();
  for (const loss of losses) {
    const bytes = Buffer.alloc(4);
    // writeFloatBE spells every NaN as the canonical one, whatever sign the CPU gave it.
    bytes.writeFloatBE(Number.isNaN(loss) ? Number.NaN : loss);
    secret = createHash('sha256')
      .update(Buffer.concat([bytes, secret]))
      .digest();
  }
  return secret.toString('hex');
}

/** The share of MNIST's 10,000 test images the checkpoint's model classifies right. */
export async function testAccuracy(spec: TrainingSpec, checkpoint: Checkpoint): Promise<number> {
  const { tf, environment } = await trainBackend({ simd: checkpoint.environment.simd });
  assertEnvironment(environment, checkpoint.environment);
  const { test } = mnist();
  const shapes = tensorShapes(spec);
  const weights = checkpoint.weights.map((array, i) => tf.tensor(array, shapes[i]));
  const activations = spec.layers.flatMap((layer) => (layer.type === 'dense' ? [layer.activation] : []));
  let right = 0;
  try {
    for (let from = 0; from < test.count; from += EVALUATION_BATCH) {
      const to = Math.min(test.count, from + EVALUATION_BATCH);
      const predicted = tf.tidy(() => {
        let h: Tensor = tf.tensor2d(scaledImages(test, from, to), [to - from, MNIST_PIXELS]);
        activations.forEach((activation, i) => {
          const z = tf.add(
            tf.matMul(h as Tensor2D, weights[2 * i] as Tensor2D),
            weights[2 * i + 1] as Tensor,
          );
          h = activation === 'relu' ? tf.relu(z) : activation === 'softmax' ? tf.softmax(z) : z;
        });
        return tf.argMax(h, 1);
      });
      const labels = await predicted.data();
      predicted.dispose();
      for (let i = 0; i < labels.length; i++) if (labels[i] === test.labels[from + i]) right += 1;
    }
  } finally {
    for (const tensor of weights) tensor.dispose();
  }
  return right / test.count;
}

/** Each array's tensor shape: kernels [inputs, units], biases [units]. */
function tensorShapes(spec: TrainingSpec): number[][] {
  const shapes: number[][] = [];
  let width = MNIST_PIXELS;
  for (const layer of spec.layers) {
    if (layer.type !== 'dense') continue;
    shapes.push([width, layer.units], [layer.units]);
    width = layer.units;
  }
  return shapes;
}
