// Trains the default job's first stages in a process of its own and prints each stage's secret and
// checkpoint hash as JSON: the other side of the determinism tests (another process, another CPU). Plain
// JavaScript on the built package, so that Node for arm64 runs it under emulation as it is.
//
//   node trainStages.mjs <stages> [simd|no-simd]
import { DEFAULT_TRAINING_SPEC, initialCheckpoint, trainStage } from '@proofgrid/runtime/train';

const stages = Number(process.argv[2] ?? 2);
let checkpoint = await initialCheckpoint(DEFAULT_TRAINING_SPEC, { simd: process.argv[3] !== 'no-simd' });
const out = [];
for (let stage = 0; stage < stages; stage++) {
  const result = await trainStage(DEFAULT_TRAINING_SPEC, checkpoint);
  out.push({ secret: result.secret, checkpointSha256: result.checkpointSha256 });
  checkpoint = result.checkpoint;
}
process.stdout.write(
  `${JSON.stringify({ arch: process.arch, environment: checkpoint.environment, stages: out })}\n`,
);
