// Benchmark: Noir tasks. Two figures, on the hashchain-zk example sized to 2^12, 2^14 and 2^15 gates:
//
// 1. Per task, a worker's end-to-end time (lease to accepted verdict: execute, prove, submit, the hub's
//    verification) against bb.js proving the same circuit bare (UltraHonkBackend.generateProof, the same
//    thread count), and their ratio.
// 2. The hub's verification: proofs verified per second and p50 per proof (NoirProver.verify, as the hub
//    runs it, one thread).
//
//   npm run bench:noir                   # 4 tasks per size
//   npm run bench:noir -- --tasks 8 --crs-path ../shared/crs
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BackendType, Barretenberg, UltraHonkBackend } from '@aztec/bb.js';
import { HubClient } from '@proofgrid/client';
import { packProgramFolder as packFolder } from '@proofgrid/client/node';
import { readTar } from '@proofgrid/core';
import { compileNoir, executeNoir, NoirProver, valuesFromRows } from '@proofgrid/runtime';
import { launchCli, startHub } from './support/cliProcess.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const { values: flags } = parseArgs({
  options: {
    tasks: { type: 'string', default: '4' },
    'crs-path': { type: 'string', default: join(ROOT, '../shared/crs') },
  },
});
const TASKS = Number(flags.tasks);
if (!Number.isInteger(TASKS) || TASKS < 1 || TASKS > 100) throw new Error('--tasks must be 1..100');
const CRS_PATH = flags['crs-path'] ?? '';
/** Chain lengths whose circuits fill 2^12, 2^14 and 2^15 gates (about 74 gates per link). */
const SIZES = [
  { label: '2^12', length: 40 },
  { label: '2^14', length: 180 },
  { label: '2^15', length: 400 },
];
const THREADS = 1;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const seedRow = (k: number) => {
  const seed = Buffer.alloc(32);
  seed.writeUInt32BE(k, 28);
  return seed;
};

const work = await mkdtemp(join(tmpdir(), 'proofgrid-bench-noir-'));
const hub = await startHub(['--data-dir', join(work, 'hub'), '--crs-path', CRS_PATH]);
const hubUrl = hub.url;
const client = new HubClient({ url: hubUrl });
await client.api.register({
  body: { username: 'bench', password: 'benchmark password', name: 'Bench', description: '' },
});
const { token } = (await client.api.login({ body: { username: 'bench', password: 'benchmark password' } }))
  .basic_token;
const worker = launchCli([
  'worker',
  'start',
  '--hub',
  hubUrl,
  '--data-dir',
  join(work, 'worker'),
  '--cpus',
  '1',
  '--crs-path',
  CRS_PATH,
]);
// The native bb reads its CRS from CRS_PATH (as NoirProver arranges for ProofGrid's own processes).
process.env.CRS_PATH = CRS_PATH;
const api = await Barretenberg.new({ threads: THREADS, backend: BackendType.NativeUnixSocket });
const verifier = new NoirProver({ crsPath: CRS_PATH, threads: 1 });
const proofsToVerify: { key: Uint8Array; proof: Uint8Array; publicInputs: string[] }[] = [];
try {
  console.log(
    `Per task, ${TASKS} tasks per size after one warm-up, ${THREADS} prover thread(s) on both sides:`,
  );
  for (const size of SIZES) {
    const dir = join(work, `hashchain-${size.length}`);
    await cp(join(ROOT, 'examples/hashchain-zk'), dir, { recursive: true });
    spawnSync(process.execPath, [join(dir, 'set-length.mjs'), String(size.length), '--dir', dir]);
    const archive = await packFolder(dir);
    const circuit = await compileNoir(readTar(archive).filter((entry) => entry.type === 'file'));
    const { pointsNeeded } = await verifier.checkSize(circuit.bytecode);

    // bb.js bare: the same circuit and witness, no ProofGrid in between.
    const backend = new UltraHonkBackend(circuit.bytecode, api);
    const bareMs: number[] = [];
    const log = console.log;
    for (let k = 0; k <= TASKS; k++) {
      const witness = await executeNoir(circuit, valuesFromRows(circuit.abi, [seedRow(k + 1)]));
      console.log = () => undefined; // generateProof prints a line per proof
      const startedMs = performance.now();
      const proof = await backend.generateProof(witness);
      const ms = performance.now() - startedMs;
      console.log = log;
      if (k > 0) bareMs.push(ms);
      if (size.label === '2^14')
        proofsToVerify.push({
          key: await backend.getVerificationKey(),
          proof: proof.proof,
          publicInputs: proof.publicInputs,
        });
    }

    // The worker: one program, TASKS + 1 groups; the first task also compiles and keys the program.
    const { program_id: programId } = await client.api.uploadProgram(
      {
        file: { name: 'hashchain.tar', bytes: archive },
        data: { name: `hashchain-${size.length}`, description: '', execution_timeout: 600 },
      },
      { token },
    );
    const before = (worker.output().match(/done in/g) ?? []).length;
    for (let k = 0; k <= TASKS; k++) {
      const csv = new TextEncoder().encode(`${seedRow(k + 1).toString('base64')}\n`);
      await client.api.uploadInputGroup(
        { params: { program_id: programId }, file: { name: `seed-${k}.csv`, bytes: csv } },
        { token },
      );
    }
    let progress = { total: TASKS + 1, verified: 0, failed: 0 };
    while (progress.verified + progress.failed < progress.total) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      progress = await client.api.programProgress({ params: { program_id: programId } }, { token });
    }
    if (progress.failed > 0) throw new Error(`${progress.failed} task(s) failed:\n${worker.output()}`);
    const workerMs = [...worker.output().matchAll(/done in ([\d.]+) ms/g)]
      .slice(before)
      .map(([, ms]) => Number(ms))
      .slice(1);
    const ratio = median(workerMs) / median(bareMs);
    console.log(
      `  ${size.label} (${pointsNeeded - 1} gates, length ${size.length}): worker end to end p50 ${median(workerMs).toFixed(0)} ms, bb.js bare p50 ${median(bareMs).toFixed(0)} ms → ${ratio.toFixed(2)}x`,
    );
  }

  // The hub's verification, as it runs it: one `bb` process, one thread, sequential and concurrent.
  const times: number[] = [];
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    for (const { key, proof, publicInputs } of proofsToVerify) {
      const startedMs = performance.now();
      if (!(await verifier.verify(key, { proof, publicInputs })))
        throw new Error('a valid proof did not verify');
      times.push(performance.now() - startedMs);
    }
  }
  const startedMs = performance.now();
  await Promise.all(
    Array.from({ length: rounds }, () =>
      proofsToVerify.map(({ key, proof, publicInputs }) => verifier.verify(key, { proof, publicInputs })),
    ).flat(),
  );
  const concurrentS = (performance.now() - startedMs) / 1000;
  console.log(
    `Hub verification (2^14 proofs, ${times.length} checks): p50 ${median(times).toFixed(1)} ms, p99 ${[...times].sort((a, b) => a - b)[Math.floor(times.length * 0.99)]?.toFixed(1)} ms, ${(times.length / (times.reduce((a, b) => a + b, 0) / 1000)).toFixed(0)} proofs/s sequential, ${(times.length / concurrentS).toFixed(0)} proofs/s with all in flight`,
  );
} finally {
  await verifier.close();
  await api.destroy();
  await worker.stop();
  await hub.stop();
  await rm(work, { recursive: true, force: true });
}
