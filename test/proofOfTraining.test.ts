import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { applyBlock, headerFault, type ParentState, type StageReplay } from '@proofgrid/chain';
import {
  type Checkpoint,
  DEFAULT_TRAINING_SPEC,
  encodeCheckpoint,
  initialCheckpoint,
  stageSamples,
  trainStage,
} from '@proofgrid/runtime/train';
import { config, genesis, makeBlock } from '../packages/chain/test/support/testChain.ts';

// The chain's rules with the real `train` runtime as the judge's replay: the seed's claim that wrong
// training is refused, shown with its strongest form — a colluding group whose declarations all agree.
it('refuses a block whose training is wrong even when a colluding group declared it, and accepts the honest chain', async () => {
  const spec = DEFAULT_TRAINING_SPEC;
  const initial = await initialCheckpoint(spec);
  const first = await trainStage(spec, initial);
  // What a judging node holds: checkpoints by hash (the genesis's, then each block's as it replays them).
  const initialSha = sha(initial);
  const checkpoints = new Map<string, Checkpoint>([[initialSha, initial]]);
  const replay: StageReplay = async ({ stageId, parentCheckpointSha256 }) => {
    const parent = checkpoints.get(parentCheckpointSha256);
    assert.ok(parent, `the judge holds checkpoint ${parentCheckpointSha256.slice(0, 8)}`);
    assert.equal(`${config.modelId}:${parent.stagesDone}`, stageId);
    const replayed = await trainStage(spec, parent);
    checkpoints.set(replayed.checkpointSha256, replayed.checkpoint);
    return { trainingSecret: replayed.secret, checkpointSha256: replayed.checkpointSha256 };
  };
  const start: ParentState = { ...genesis, checkpointSha256: initialSha };

  const samples = stageSamples(spec, 0);
  const poisoned = await trainStage(spec, initial, {
    images: samples.images,
    labels: samples.labels.map((label) => (label + 3) % 10),
  });
  const colluders = makeBlock(start, {
    stage: { trainingSecret: poisoned.secret, checkpointSha256: poisoned.checkpointSha256 },
  });
  assert.equal(
    headerFault(colluders.header, start, config),
    null,
    'their declarations agree with their header',
  );
  const refused = await applyBlock(colluders, start, config, replay);
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.reason, /re-executing its stage/);

  const block1 = makeBlock(start, {
    stage: { trainingSecret: first.secret, checkpointSha256: first.checkpointSha256 },
  });
  const after1 = await applyBlock(block1, start, config, replay);
  assert.ok(after1.ok, after1.ok ? '' : after1.reason);
  const second = await trainStage(spec, first.checkpoint);
  const block2 = makeBlock(after1.state, {
    stage: { trainingSecret: second.secret, checkpointSha256: second.checkpointSha256 },
  });
  const after2 = await applyBlock(block2, after1.state, config, replay);
  assert.ok(after2.ok, after2.ok ? '' : after2.reason);
  assert.equal(after2.state.checkpointSha256, second.checkpointSha256);
});

function sha(checkpoint: Checkpoint): string {
  return createHash('sha256').update(encodeCheckpoint(checkpoint)).digest('hex');
}
