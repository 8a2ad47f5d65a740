import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DEFAULT_TRAINING_SPEC,
  decodeCheckpoint,
  encodeCheckpoint,
  initialCheckpoint,
  parseTrainingSpec,
  stageSamples,
  testAccuracy,
  trainingSecret,
  trainStage,
} from '../src/train/index.ts';

const spec = DEFAULT_TRAINING_SPEC;
const CHILD = new URL('./support/trainStages.mjs', import.meta.url).pathname;

describe('runtime train', () => {
  it('takes the seed’s MNIST job and refuses specs outside its limits, naming the field', () => {
    assert.deepEqual(parseTrainingSpec(JSON.parse(JSON.stringify(spec))), spec);
    const broken: [unknown, RegExp][] = [
      [{ ...spec, epochs: 3 }, /field "epochs" is unknown/],
      [
        { ...spec, layers: [{ type: 'flatten' }, { type: 'conv2d' }] },
        /layers\[1\]\.type must be "flatten" or "dense"/,
      ],
      [
        { ...spec, layers: [{ type: 'flatten' }, { type: 'dense', units: 5000, activation: 'relu' }] },
        /units must be a whole number from 1 to 1024/,
      ],
      [
        { ...spec, layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'relu' }] },
        /last layer must be dense with 10 units and softmax/,
      ],
      [{ ...spec, optimizer: { type: 'adam', learningRate: 0 } }, /learningRate must be a number above 0/],
      [{ ...spec, dataset: 'cifar10' }, /dataset must be "mnist"/],
      [{ ...spec, samplesPerStage: 1000 }, /samplesPerStage must be a whole number from 1 to 100/],
      [
        {
          ...spec,
          layers: [
            { type: 'flatten' },
            { type: 'dense', units: 1024, activation: 'relu' },
            { type: 'dense', units: 1024, activation: 'relu' },
            { type: 'dense', units: 1024, activation: 'relu' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
        /at most 2000000 weights \(these have 2913290\)/,
      ],
    ];
    for (const [value, message] of broken)
      assert.throws(() => parseTrainingSpec(value), { code: 'INVALID_TRAINING_SPEC', message });
  });

  it('trains a stage from a checkpoint to the same bytes every time, and chains its secret as the seed does', async () => {
    const genesis = await initialCheckpoint(spec);
    const first = await trainStage(spec, genesis);
    const second = await trainStage(spec, first.checkpoint);
    assert.equal(first.losses.length, 10);
    assert.equal(second.checkpoint.stagesDone, 2);
    // Re-executed from the stored bytes of its parent, as a verifying node does: identical.
    const parent = decodeCheckpoint(encodeCheckpoint(first.checkpoint), spec);
    const again = await trainStage(spec, parent);
    assert.equal(again.checkpointSha256, second.checkpointSha256);
    assert.equal(again.secret, second.secret);
    assert.deepEqual(again.losses, second.losses);
    assert.equal(
      createHash('sha256').update(encodeCheckpoint(again.checkpoint)).digest('hex'),
      second.checkpointSha256,
    );
    // s0 = sha256("training_secret"), sk = sha256(float32_be(loss_k) ‖ s(k−1)).
    let secret = createHash('sha256').update('training_secret').digest();
    for (const loss of second.losses) {
      const be = Buffer.alloc(4);
      be.writeFloatBE(loss);
      secret = createHash('sha256').update(be).update(secret).digest();
    }
    assert.equal(second.secret, secret.toString('hex'));
    assert.equal(trainingSecret(second.losses), second.secret);
  });

  it('gives identical stages in another process (the built package)', async () => {
    const child = spawnSync(process.execPath, [CHILD, '2'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const theirs = JSON.parse(child.stdout) as { stages: { secret: string; checkpointSha256: string }[] };
    assert.equal(theirs.stages.length, 2);
    let checkpoint = await initialCheckpoint(spec);
    for (const [stage, expected] of theirs.stages.entries()) {
      const ours = await trainStage(spec, checkpoint);
      assert.deepEqual(
        { secret: ours.secret, checkpointSha256: ours.checkpointSha256 },
        expected,
        `stage ${stage}`,
      );
      checkpoint = ours.checkpoint;
    }
  });

  it('tells a poisoned stage (flipped labels, injected samples) from the honest one by its secret and checkpoint', async () => {
    const genesis = await initialCheckpoint(spec);
    const honest = await trainStage(spec, genesis);
    const samples = stageSamples(spec, 0);
    const flipped = { images: samples.images, labels: samples.labels.map((label) => (label + 1) % 10) };
    const poisoned = await trainStage(spec, genesis, flipped);
    assert.notEqual(poisoned.secret, honest.secret);
    assert.notEqual(poisoned.checkpointSha256, honest.checkpointSha256);
    const injected = {
      images: Float32Array.from([...samples.images, ...samples.images.subarray(0, 784)]),
      labels: Int32Array.from([...samples.labels, 3]),
    };
    assert.notEqual((await trainStage(spec, genesis, injected)).secret, honest.secret);
  });

  it('refuses a checkpoint of another job, a cut one, or one made in another environment', async () => {
    const genesis = await initialCheckpoint(spec);
    const bytes = encodeCheckpoint(genesis);
    await assert.rejects(trainStage({ ...spec, seed: 7 }, genesis), {
      code: 'INVALID_CHECKPOINT',
      message: /another training job/,
    });
    assert.throws(() => decodeCheckpoint(bytes, { ...spec, seed: 7 }), {
      code: 'INVALID_CHECKPOINT',
      message: /belongs to another training job/,
    });
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), spec), {
      code: 'INVALID_CHECKPOINT',
      message: /holds .* values, not/,
    });
    // A header that names an environment partly, or spells the checkpoint another way, is refused.
    const rewrite = (edit: (header: Record<string, unknown>) => void) => {
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
      edit(header);
      const text = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(4 + text.length + bytes.length - 4 - length);
      new DataView(out.buffer).setUint32(0, text.length);
      out.set(text, 4);
      out.set(bytes.subarray(4 + length), 4 + text.length);
      return out;
    };
    assert.throws(
      () =>
        decodeCheckpoint(
          rewrite((header) => {
            header.environment = { simd: true };
          }),
          spec,
        ),
      { code: 'INVALID_CHECKPOINT', message: /environment/ },
    );
    assert.throws(
      () =>
        decodeCheckpoint(
          rewrite((header) => {
            header.note = 'hello';
          }),
          spec,
        ),
      { code: 'INVALID_CHECKPOINT', message: /canonical/ },
    );
    assert.deepEqual(
      decodeCheckpoint(
        rewrite(() => undefined),
        spec,
      ),
      genesis,
      'an untouched header reads back',
    );
    await assert.rejects(
      trainStage(spec, { ...genesis, environment: { ...genesis.environment, tfjs: '4.21.0' } }),
      {
        code: 'TRAIN_ENVIRONMENT_MISMATCH',
        message: /tfjs 4\.22\.0 where the stage used tfjs 4\.21\.0.*refuses to judge/,
      },
    );
  });

  it('measures test accuracy on MNIST’s 10,000 test images, and a few stages already raise it', async () => {
    let checkpoint = await initialCheckpoint(spec);
    const before = await testAccuracy(spec, checkpoint);
    for (let stage = 0; stage < 5; stage++) checkpoint = (await trainStage(spec, checkpoint)).checkpoint;
    const after = await testAccuracy(spec, checkpoint);
    assert.ok(before < 0.25, `an untrained model guesses (${before})`);
    assert.ok(after > before + 0.15, `five stages of ten samples learn something (${before} → ${after})`);
  });
});
