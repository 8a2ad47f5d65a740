import { createHash } from 'node:crypto';
import type { TrainingSpec } from '@proofgrid/core';
import { ProofGridError } from '@proofgrid/core';
import type { TrainEnvironment } from './trainBackend.ts';

/**
 * A model and its optimizer after some stages: every dense layer's kernel and bias, Adam's first and second
 * moments for each, and Adam's running powers of beta1 and beta2 kept as the float32 values the steps made
 * (recomputing them by `pow` is not bit-exact). Enough to continue training exactly where it stopped.
 */
export type Checkpoint = {
  /** sha256 of the job's spec, canonical JSON: a checkpoint belongs to one job. */
  specSha256: string;
  environment: TrainEnvironment;
  /** Stages trained so far (the next stage to train is this one). */
  stagesDone: number;
  /** Kernels and biases, layer by layer, then Adam's moments in the same order. */
  weights: Float32Array[];
  firstMoments: Float32Array[];
  secondMoments: Float32Array[];
  beta1Power: number;
  beta2Power: number;
};

const FORMAT = 'proofgrid-checkpoint/1';
/** Whether this CPU stores floats little-endian, as checkpoints do: then arrays are copied whole. */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;
/** A checkpoint's JSON header at most: its shapes and environment, never its numbers. */
const HEADER_BYTES_MAX = 64 * 1024;

/**
 * sha256 of a spec's canonical JSON (keys sorted). Not core's `encodeCanonical`: that takes integers only,
 * and a spec has a learning rate.
 */
export function specSha256(spec: TrainingSpec): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex');
}

/**
 * A checkpoint as bytes: a 4-byte big-endian header length, the JSON header (format, spec hash,
 * environment, stages done, the beta powers as float32 bit patterns, each array's length), then every
 * array's float32 values, little-endian, in order. The same checkpoint always gives the same bytes.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const arrays = [...checkpoint.weights, ...checkpoint.firstMoments, ...checkpoint.secondMoments];
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: FORMAT,
      specSha256: checkpoint.specSha256,
      environment: checkpoint.environment,
      stagesDone: checkpoint.stagesDone,
      beta1Power: float32Bits(checkpoint.beta1Power),
      beta2Power: float32Bits(checkpoint.beta2Power),
      lengths: checkpoint.weights.map((array) => array.length),
    }),
  );
  const bytes = new Uint8Array(4 + header.length + arrays.reduce((sum, array) => sum + array.length * 4, 0));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, header.length);
  bytes.set(header, 4);
  let at = 4 + header.length;
  for (let array of arrays) {
    // A NaN's sign and payload may differ between CPUs: every NaN is written as the one canonical NaN.
    if (hasNaN(array)) array = array.map((value) => (Number.isNaN(value) ? Number.NaN : value));
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    else for (let i = 0; i < array.length; i++) view.setFloat32(at + 4 * i, array[i] ?? 0, true);
    at += array.byteLength;
  }
  return bytes;
}

/** A plain loop: `some(Number.isNaN)` makes a call per element, milliseconds on a checkpoint's 300,000 floats. */
function hasNaN(array: Float32Array): boolean {
  for (let i = 0; i < array.length; i++) {
    const value = array[i] as number;
    if (Number.isNaN(value)) return true;
  }
  return false;
}

/**
 * Reads a checkpoint back, checking that it is whole and belongs to the job.
 *
 * @throws INVALID_CHECKPOINT saying what is wrong
 */
export function decodeCheckpoint(bytes: Uint8Array, spec: TrainingSpec): Checkpoint {
  const fail = (why: string): never => {
    throw new ProofGridError('INVALID_CHECKPOINT', {
      shortMessage: `The checkpoint is refused: ${why}.`,
      details: "Use the checkpoint the job's previous stage produced (its sha256 is on the chain).",
    });
  };
  if (bytes.length < 4) fail('it is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0);
  if (headerLength > HEADER_BYTES_MAX || 4 + headerLength > bytes.length) fail('its header is cut off');
  let header: {
    format: unknown;
    specSha256: unknown;
    environment: TrainEnvironment;
    stagesDone: unknown;
    beta1Power: unknown;
    beta2Power: unknown;
    lengths: unknown;
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    return fail('its header is not JSON');
  }
  if (typeof header !== 'object' || header === null) return fail('its header is not a JSON object');
  if (header.format !== FORMAT) fail(`its format is not ${FORMAT}`);
  const environment = header.environment as unknown;
  if (
    typeof environment !== 'object' ||
    environment === null ||
    JSON.stringify(Object.keys(environment).sort()) !==
      JSON.stringify(['backend', 'simd', 'tfjs', 'threads']) ||
    typeof (environment as TrainEnvironment).tfjs !== 'string' ||
    (environment as TrainEnvironment).backend !== 'wasm' ||
    typeof (environment as TrainEnvironment).simd !== 'boolean' ||
    (environment as TrainEnvironment).threads !== 1
  )
    fail('its environment is not {tfjs, backend: "wasm", simd, threads: 1}');
  if (header.specSha256 !== specSha256(spec)) fail('it belongs to another training job');
  const expected = denseShapes(spec).map((size) => size);
  if (JSON.stringify(header.lengths) !== JSON.stringify(expected))
    fail("its arrays do not fit the job's layers");
  if (!Number.isSafeInteger(header.stagesDone) || (header.stagesDone as number) < 0)
    fail('its stage count is not a whole number');
  const isBits = (value: unknown) =>
    Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32;
  if (!isBits(header.beta1Power) || !isBits(header.beta2Power)) fail('its Adam state is malformed');
  const total = expected.reduce((sum, size) => sum + size, 0) * 3;
  if (bytes.length !== 4 + headerLength + total * 4)
    fail(`it holds ${(bytes.length - 4 - headerLength) / 4} values, not ${total}`);
  let at = 4 + headerLength;
  const take = (size: number) => {
    const array = new Float32Array(size);
    if (LITTLE_ENDIAN) new Uint8Array(array.buffer).set(bytes.subarray(at, at + size * 4));
    else for (let i = 0; i < size; i++) array[i] = view.getFloat32(at + 4 * i, true);
    at += size * 4;
    return array;
  };
  const checkpoint: Checkpoint = {
    specSha256: header.specSha256 as string,
    environment: header.environment,
    stagesDone: header.stagesDone as number,
    weights: expected.map(take),
    firstMoments: expected.map(take),
    secondMoments: expected.map(take),
    beta1Power: fromFloat32Bits(header.beta1Power as number),
    beta2Power: fromFloat32Bits(header.beta2Power as number),
  };
  // One checkpoint, one encoding: extra keys, another key order or a NaN spelled otherwise are refused.
  const again = encodeCheckpoint(checkpoint);
  if (
    !Buffer.from(again.buffer, again.byteOffset, again.length).equals(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    )
  )
    fail('it is not in its canonical encoding');
  return checkpoint;
}

/** The sizes of the job's arrays in order: each dense layer's kernel (inputs × units), then its bias. */
export function denseShapes(spec: TrainingSpec): number[] {
  const sizes: number[] = [];
  let width = 28 * 28;
  for (const layer of spec.layers) {
    if (layer.type !== 'dense') continue;
    sizes.push(width * layer.units, layer.units);
    width = layer.units;
  }
  return sizes;
}

function float32Bits(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  return view.getUint32(0);
}

function fromFloat32Bits(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
}
