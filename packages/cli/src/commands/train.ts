import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JOB_STAGES_MAX } from '@proofgrid/chain';
import { ProofGridError, parseTrainingSpec } from '@proofgrid/core';
import { decodeCheckpoint, testAccuracy } from '@proofgrid/runtime/train';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { formatCoins, parseCoins } from './coins.ts';
import { printResult } from './output.ts';
import { readJsonFile } from './readJsonFile.ts';
import { nodeClient, sendFromWallet } from './wallet.ts';

type JobView = {
  id: string;
  submitter: string;
  stages: number;
  stagesDone: number;
  reward: number;
  paid: number;
  checkpointSha256: string | null;
  status: 'queued' | 'training' | 'finished';
  queuePosition: number;
  testAccuracy: number | null;
  spec: unknown;
};

/** `proofgrid train submit`: a training job on chain, its reward escrowed from the wallet. */
export async function trainSubmit(args: Arguments, io: CommandIo): Promise<number> {
  const json = readJsonFile(args, 'spec', args.required('spec'));
  const spec = parseTrainingSpec(json);
  if (spec.stages > JOB_STAGES_MAX)
    throw args.usage(
      `The job asks for ${spec.stages} stages; a job on chain takes at most ${JOB_STAGES_MAX}.`,
    );
  const reward = parseCoins(args, 'reward', args.string('reward') ?? '0');
  const fee = parseCoins(args, 'fee', args.string('fee') ?? '0.001');
  const sent = await sendFromWallet(args, io, (from, nonce) => ({
    kind: 'train-job',
    from,
    spec: JSON.stringify(spec),
    reward,
    fee,
    nonce,
  }));
  if (sent === null) return 1;
  printResult(io, args, { job: sent.hash, stages: spec.stages, reward, block: sent.block }, (v) => [
    `job ${v.job}: ${v.stages} stages, reward ${formatCoins(v.reward)} coins (escrowed, paid stage by stage to the miners)`,
    v.block === null ? 'pending: it is queued once a block holds it' : `on chain in block #${v.block.index}`,
    `follow it with \`proofgrid train status ${v.job}\``,
  ]);
  return 0;
}

function jobId(args: Arguments, command: string): string {
  const id = args.positionals[0];
  if (id === undefined || args.positionals.length > 1 || !/^[0-9a-f]{64}$/.test(id))
    throw args.usage(`train ${command} takes one job id (the 64-hex hash \`train submit\` printed).`);
  return id;
}

/** `proofgrid train status <job>`: stages done and the model's test accuracy, once or until it finishes. */
export async function trainStatus(args: Arguments, io: CommandIo): Promise<number> {
  const id = jobId(args, 'status');
  const client = nodeClient(args, io);
  const watch = args.flag('watch');
  for (;;) {
    const job = (await client.job(id)) as JobView;
    if (!watch || job.status === 'finished') {
      printResult(io, args, job, (j) => [
        `job ${j.id}: ${j.status}${j.status === 'queued' ? ` (position ${j.queuePosition + 1} in the queue)` : ''}`,
        `stages ${j.stagesDone} of ${j.stages}; reward ${formatCoins(j.paid)} of ${formatCoins(j.reward)} coins paid`,
        `checkpoint ${j.checkpointSha256 ?? '(none yet)'}`,
        `test accuracy ${j.testAccuracy === null ? '(no checkpoint held by this node)' : `${(j.testAccuracy * 100).toFixed(2)}%`} on MNIST's 10,000 test images`,
      ]);
      return 0;
    }
    io.status?.(`job ${id.slice(0, 8)}: ${job.status}, stage ${job.stagesDone} of ${job.stages}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * `proofgrid train download <job> --out <dir>`: the job's latest checkpoint from a node, checked against
 * the hash the chain holds, written with the job's spec; its test accuracy is measured here.
 */
export async function trainDownload(args: Arguments, io: CommandIo): Promise<number> {
  const id = jobId(args, 'download');
  const out = resolve(args.required('out'));
  const client = nodeClient(args, io);
  const job = (await client.job(id)) as JobView;
  if (job.checkpointSha256 === null)
    throw new ProofGridError('CHAIN_OBJECT_NOT_FOUND', {
      shortMessage: `Job ${id.slice(0, 8)} has no trained stage yet.`,
      details: `Wait for it (\`proofgrid train status ${id} --watch\`).`,
    });
  const bytes = await client.checkpoint(id);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== job.checkpointSha256)
    throw new ProofGridError('INVALID_CHECKPOINT', {
      shortMessage: `The node sent a checkpoint whose sha256 is ${sha256.slice(0, 16)}, not the ${job.checkpointSha256.slice(0, 16)} on chain.`,
      details: 'Nothing was written. Download it from another node with --node <url>.',
    });
  const spec = parseTrainingSpec(job.spec);
  const accuracy = await testAccuracy(spec, decodeCheckpoint(bytes, spec));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.ckpt'), bytes);
  writeFileSync(
    join(out, 'job.json'),
    `${JSON.stringify({ job: id, stagesDone: job.stagesDone, stages: job.stages, checkpointSha256: sha256, testAccuracy: accuracy, spec }, null, 2)}\n`,
  );
  printResult(
    io,
    args,
    {
      job: id,
      out,
      checkpointSha256: sha256,
      stagesDone: job.stagesDone,
      stages: job.stages,
      testAccuracy: accuracy,
    },
    (v) => [
      `checkpoint ${v.checkpointSha256} matches the chain (${v.stagesDone} of ${v.stages} stages)`,
      `written to ${join(v.out, 'model.ckpt')} with job.json`,
      `test accuracy ${(v.testAccuracy * 100).toFixed(2)}% on MNIST's 10,000 test images`,
    ],
  );
  return 0;
}
