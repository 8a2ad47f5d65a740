// Trains the default job's first stages in a process of its own and prints each stage's secret and
// checkpoint hash as JSON: the other side of the cross-process determinism test.
import { DEFAULT_TRAINING_SPEC, initialCheckpoint, trainStage } from '../../src/train/index.ts';

const stages = Number(process.argv[2] ?? 2);
let checkpoint = await initialCheckpoint(DEFAULT_TRAINING_SPEC);
const out: { secret: string; checkpointSha256: string }[] = [];
for (let stage = 0; stage < stages; stage++) {
  const result = await trainStage(DEFAULT_TRAINING_SPEC, checkpoint);
  out.push({ secret: result.secret, checkpointSha256: result.checkpointSha256 });
  checkpoint = result.checkpoint;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
