// Benchmark: the `train` runtime's stage — trained, and re-verified from the stored parent checkpoint as a
// node that did not train it does (decode, re-execute, compare hashes). Seed 003's MNIST job.
//
//   npm run bench:train                  # 50 stages after 5 of warm-up
//   npm run bench:train -- --stages 200
import { parseArgs } from 'node:util';
import {
  DEFAULT_TRAINING_SPEC,
  decodeCheckpoint,
  encodeCheckpoint,
  initialCheckpoint,
  trainBackend,
  trainStage,
} from '@proofgrid/runtime/train';

const { values: flags } = parseArgs({ options: { stages: { type: 'string', default: '50' } } });
const STAGES = Number(flags.stages);
const WARM_UP = 5;
const spec = DEFAULT_TRAINING_SPEC;

const loadStartedMs = performance.now();
const { environment } = await trainBackend();
const loadMs = performance.now() - loadStartedMs;
let checkpoint = await initialCheckpoint(spec);
const trainMs: number[] = [];
const verifyMs: number[] = [];
let bytes = 0;
for (let stage = 0; stage < WARM_UP + STAGES; stage++) {
  const parentBytes = encodeCheckpoint(checkpoint);
  const trainedAt = performance.now();
  const trained = await trainStage(spec, checkpoint);
  const verifiedAt = performance.now();
  const replayed = await trainStage(spec, decodeCheckpoint(parentBytes, spec));
  const doneAt = performance.now();
  if (replayed.checkpointSha256 !== trained.checkpointSha256)
    throw new Error(`stage ${stage} did not replay`);
  if (stage >= WARM_UP) {
    trainMs.push(verifiedAt - trainedAt);
    verifyMs.push(doneAt - verifiedAt);
  }
  bytes = trained.checkpointBytes.length;
  checkpoint = trained.checkpoint;
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const p90 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] ?? Number.NaN;
console.log(
  `environment: TensorFlow.js ${environment.tfjs}, ${environment.backend}, SIMD ${environment.simd}, ${environment.threads} thread; backend loaded in ${loadMs.toFixed(0)} ms`,
);
console.log(
  `${STAGES} stages of ${spec.samplesPerStage} samples: train median ${median(trainMs).toFixed(1)} ms (p90 ${p90(trainMs).toFixed(1)}), re-verify from the stored parent median ${median(verifyMs).toFixed(1)} ms (p90 ${p90(verifyMs).toFixed(1)})`,
);
console.log(
  `checkpoint: ${(bytes / 1024).toFixed(0)} KiB (weights and Adam's moments); node heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);
