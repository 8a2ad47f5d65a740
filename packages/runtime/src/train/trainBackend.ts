import { ProofGridError } from '@proofgrid/core';

/**
 * What a stage's bytes depend on besides the job: TensorFlow.js's version, its backend, whether the
 * backend uses SIMD, and its threads. Part of the protocol: a node that cannot match a stage's environment
 * refuses to judge it (a mismatch looks exactly like poisoning).
 */
export type TrainEnvironment = { tfjs: string; backend: 'wasm'; simd: boolean; threads: 1 };

type Tf = typeof import('@tensorflow/tfjs-core');
type TfLayers = typeof import('@tensorflow/tfjs-layers');

let loaded: Promise<{ tf: Tf; layers: TfLayers; environment: TrainEnvironment }> | undefined;

/**
 * TensorFlow.js on its WebAssembly backend, one thread, SIMD as asked (loaded once per process: the backend
 * is global, so the first call decides). Loaded on first use: importing it costs every other command.
 *
 * @throws TRAIN_ENVIRONMENT_MISMATCH when this process already runs another environment, or this CPU
 *   cannot give SIMD
 */
export async function trainBackend(
  wanted: { simd: boolean } = { simd: true },
): Promise<{ tf: Tf; layers: TfLayers; environment: TrainEnvironment }> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const layers = await import('@tensorflow/tfjs-layers');
    const { createRequire } = await import('node:module');
    const { dirname, join } = await import('node:path');
    const dist = dirname(
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
    );
    const file = (name: string) => join(dist, 'dist', name);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': file('tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': file('tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': file('tfjs-backend-wasm-threaded-simd.wasm'),
    });
    wasm.setThreadsCount(1);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!wanted.simd) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    if (!(await tf.setBackend('wasm')))
      throw new Error('TensorFlow.js could not start its WebAssembly backend.');
    await tf.ready();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return { tf, layers, environment: { tfjs: tf.version_core, backend: 'wasm', simd, threads: 1 } };
  })();
  const backend = await loaded;
  assertEnvironment(backend.environment, { ...backend.environment, simd: wanted.simd });
  return backend;
}

/** @throws TRAIN_ENVIRONMENT_MISMATCH unless `actual` is exactly `required` */
export function assertEnvironment(actual: TrainEnvironment, required: TrainEnvironment): void {
  const keys: (keyof TrainEnvironment)[] = ['tfjs', 'backend', 'simd', 'threads'];
  const differences = keys.filter((key) => actual[key] !== required[key]);
  if (differences.length > 0)
    throw new ProofGridError('TRAIN_ENVIRONMENT_MISMATCH', {
      shortMessage: `This machine cannot reproduce the stage bit for bit: it has ${differences.map((key) => `${key} ${String(actual[key])}`).join(', ')} where the stage used ${differences.map((key) => `${key} ${String(required[key])}`).join(', ')}.`,
      details:
        'It refuses to judge rather than judge wrongly. Run a node with the same TensorFlow.js build and backend settings.',
    });
}
