import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { type HubApiError, HubClient, WorkerClient } from '@proofgrid/client';
import { packProgramFolder as packFolder } from '@proofgrid/client/node';
import { decodeBase64, keyPairFromSeed, readTar } from '@proofgrid/core';
import { compileNoir, executeNoir, NoirProver, valuesFromRows } from '@proofgrid/runtime';
import { TEST_CRS_PATH } from '../../../test/support/crs.ts';
import { EXAMPLES } from './support/examples.ts';
import { signUp, uploadInputs, waitForProgress } from './support/hubApi.ts';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess.ts';

const u32 = (n: number) =>
  Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString('base64');
type TaskProof = {
  name: string;
  proof: string;
  public_inputs: string[];
  output: unknown;
  verification_key: string;
};

describe('Noir programs: donors prove, the hub verifies, anyone can check (real processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  let hub: HubClient;
  let token: string;
  let credentials: { username: string; password: string };
  let programId: string;
  const groups = new Map<string, string>();
  const workers: WorkerProcess[] = [];
  const prover = new NoirProver({ crsPath: TEST_CRS_PATH, threads: 1 });

  const uploadGroup = async (name: string, body: string) => {
    const groupId = await uploadInputs(hub, token, programId, name, body);
    groups.set(name, groupId);
    return groupId;
  };
  /** Uploads the primality-zk project folder (the hub compiles it) under a name; returns its id. */
  const uploadPrimalityZk = async (name: string) => {
    const archive = await packFolder(join(EXAMPLES, 'primality-zk'));
    const data = { name, description: '', execution_timeout: 60 };
    return (await hub.api.uploadProgram({ file: { name: 'p.tar', bytes: archive }, data }, { token }))
      .program_id;
  };
  const proofOf = (groupId: string): Promise<TaskProof> =>
    hub.api.taskProof({ params: { program_id: programId, input_group_id: groupId } }, { token });

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-noir-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub'), '--crs-path', TEST_CRS_PATH]);
    hub = new HubClient({ url: hubProcess.url });
    const org = await signUp(hub);
    token = org.token;
    credentials = { username: org.username, password: org.password };
  });
  afterEach(() => Promise.all(workers.splice(0).map((worker) => worker.stop('SIGTERM'))));
  after(async () => {
    await prover.close();
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('compiles primality-zk on upload, and a worker proves every task, from CSV rows or Prover.toml', async () => {
    programId = await uploadPrimalityZk('primality-zk');
    await uploadGroup('prime.csv', `${u32(65521)}\n`);
    await uploadGroup('composite.csv', `${u32(65535)}\n`);
    await uploadGroup('toml.toml', 'number = 97\n');
    // A u32, so the upload takes it; main() asserts it is below 65536, so there is nothing to prove.
    await uploadGroup('too-big.csv', `${u32(70_000)}\n`);
    await assert.rejects(uploadGroup('two.csv', `${u32(1)}\n${u32(2)}\n`), (error: HubApiError) => {
      assert.equal(error.code, 'INVALID_NOIR_INPUT');
      assert.match(error.message, /takes 1 parameter\(s\) \(number\); the input group has 2/);
      return true;
    });
    workers.push(startWorkerProcess(hubProcess.url, join(workDir, 'prover'), ['--crs-path', TEST_CRS_PATH]));
    const progress = await waitForProgress(
      hub,
      token,
      programId,
      (p) => p.verified + p.failed === p.total,
      180_000,
    );
    assert.deepEqual(
      { verified: progress.verified, failed: progress.failed },
      { verified: 3, failed: 1 },
      workers[0]?.output(),
    );
    assert.match(workers[0]?.output() ?? '', /Noir tasks: on/);
    const expected = { 'prime.csv': true, 'composite.csv': false, 'toml.toml': true };
    for (const [name, answer] of Object.entries(expected)) {
      const groupId = groups.get(name) ?? '';
      const response = await hub.api.taskResult(
        { params: { program_id: programId, input_group_id: groupId } },
        { token },
      );
      assert.equal(new TextDecoder().decode(response.bytes), JSON.stringify(answer), name);
      // The organization's own check, trusting nothing from the hub but the bytes it hands over.
      const task = await proofOf(groupId);
      const verified = await prover.verify(decodeBase64(task.verification_key) ?? new Uint8Array(0), {
        proof: decodeBase64(task.proof) ?? new Uint8Array(0),
        publicInputs: task.public_inputs,
      });
      assert.equal(verified, true, `${name}: the proof verifies offline`);
      assert.equal(task.output, answer);
    }
  });

  it('rejects a tampered proof, a proof of other inputs, of another program, and a replay, each with its reason', async () => {
    const liar = new WorkerClient({
      hub,
      keys: keyPairFromSeed(new Uint8Array(32).fill(7)),
      now: () => Date.now(),
    });
    await liar.register({ name: 'liar' });
    const offer = {
      memory_pages_max: 1,
      fuel_per_second: 1,
      seconds_available: 3600,
      runtimes: ['noir' as const],
    };
    const honest = await proofOf(groups.get('prime.csv') ?? '');
    const honestProof = decodeBase64(honest.proof) ?? new Uint8Array(0);
    const submitted = async (
      name: string,
      input: string,
      forge: () => Promise<{ proof: Uint8Array; publicInputs: string[] }>,
    ) => {
      await uploadGroup(name, input);
      const { lease } = await liar.lease(offer);
      assert.equal(lease?.input_group_id, groups.get(name), `the liar holds ${name}`);
      return liar.submitProof(lease?.replica_id ?? '', await forge()).then(
        () => assert.fail(`${name}: a forged proof was accepted`),
        (error: HubApiError) => {
          assert.equal(error.code, 'PROOF_REJECTED', error.message);
          return error.message;
        },
      );
    };

    const tampered = new Uint8Array(honestProof);
    tampered[200] = (tampered[200] ?? 0) ^ 1;
    assert.match(
      await submitted('tampered.csv', `${u32(65521)}\n`, async () => ({
        proof: tampered,
        publicInputs: honest.public_inputs,
      })),
      /does not verify against the program's verification key/,
    );
    assert.match(
      await submitted('other-inputs.csv', `${u32(65519)}\n`, async () => ({
        proof: honestProof,
        publicInputs: honest.public_inputs,
      })),
      /proves other inputs than the task's: public input 0/,
    );
    assert.match(
      await submitted('other-program.csv', `${u32(7)}\n`, async () => {
        // Same parameters and return type, other circuit: its proof has the right public inputs.
        const files = [
          {
            path: 'Nargo.toml',
            data: new TextEncoder().encode('[package]\nname = "x"\ntype = "bin"\n\n[dependencies]\n'),
          },
          {
            path: 'src/main.nr',
            data: new TextEncoder().encode('fn main(number: pub u32) -> pub bool { number != 0 }'),
          },
        ];
        const other = await compileNoir(files);
        const key = await prover.verificationKey(other.bytecode);
        const witness = await executeNoir(other, valuesFromRows(other.abi, [new Uint8Array([0, 0, 0, 7])]));
        const proof = await prover.prove(other.bytecode, witness, key);
        return { proof: proof.proof, publicInputs: proof.publicInputs };
      }),
      /does not verify against the program's verification key: it was altered, or made for another program/,
    );
    assert.match(
      await submitted('replay.csv', `${u32(65521)}\n`, async () => ({
        proof: honestProof,
        publicInputs: honest.public_inputs,
      })),
      /replay: this exact proof was already accepted/,
    );
    const { reputation } = await liar.me();
    assert.equal(reputation.results_invalid, 4);

    // An honest worker then proves the four tasks the liar failed.
    workers.push(startWorkerProcess(hubProcess.url, join(workDir, 'prover'), ['--crs-path', TEST_CRS_PATH]));
    const progress = await waitForProgress(
      hub,
      token,
      programId,
      (p) => p.verified + p.failed === p.total,
      180_000,
    );
    assert.deepEqual({ verified: progress.verified, failed: progress.failed }, { verified: 7, failed: 1 });
  });

  it("proof verify checks every proof on the organization's machine and saves each output next to its proof", async () => {
    const env = { PROOFGRID_CONFIG_DIR: join(workDir, 'config'), PROOFGRID_HUB: hubProcess.url };
    const login = await runCli(
      ['account', 'login', '--username', credentials.username, '--password', credentials.password],
      env,
    );
    assert.equal(login.code, 0, login.stderr);
    // Rejecting a verified task's proof puts the task back in the queue (no worker runs now to take it).
    const rejected = groups.get('tampered.csv') ?? '';
    await hub.api.rejectProof({ params: { program_id: programId, input_group_id: rejected } }, { token });
    const requeued = await waitForProgress(hub, token, programId, () => true);
    assert.deepEqual({ verified: requeued.verified, queued: requeued.queued }, { verified: 6, queued: 1 });
    const out = join(workDir, 'verified');
    const all = await runCli(
      ['proof', 'verify', 'primality-zk', '--all', '--out', out, '--crs-path', TEST_CRS_PATH],
      env,
    );
    assert.equal(all.code, 0, `${all.stdout}\n${all.stderr}\n${hubProcess.output().slice(-3000)}`);
    assert.match(all.stdout, /6 proofs verified here and confirmed; 2 task\(s\) have no proof yet/);
    // Confirmed results are kept: rejecting one now is refused.
    await assert.rejects(
      hub.api.rejectProof(
        { params: { program_id: programId, input_group_id: groups.get('prime.csv') ?? '' } },
        { token },
      ),
      {
        code: 'PROOF_ALREADY_CONFIRMED',
      },
    );
    const confirmed = await hub.api.listProofs(
      { params: { program_id: programId }, query: { state: 'verified' } },
      { token },
    );
    assert.equal(confirmed.total_elements_amount, 6);
    assert.match(all.stdout, /verified {2}prime {2}→ true/);
    assert.equal(await readFile(join(out, 'composite', 'output.json'), 'utf8'), 'false\n');
    assert.ok((await readFile(join(out, 'prime', 'proof'))).length > 1000);
    const one = await runCli(
      [
        'proof',
        'verify',
        'primality-zk',
        '--group',
        groups.get('toml.toml') ?? '',
        '--crs-path',
        TEST_CRS_PATH,
      ],
      env,
    );
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /1 proof verified here/);
    const misuse = await runCli(['proof', 'verify', 'primality-zk'], env);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /either --all or --group/);
  });

  it('splits execution and proving: an execute-only worker uploads witnesses, a prove-only worker proves them', async () => {
    programId = await uploadPrimalityZk('primality-split');
    for (const n of [2, 91, 65519]) await uploadGroup(`split-${n}.csv`, `${u32(n)}\n`);

    // Executing needs no CRS: this worker has none.
    const executor = startWorkerProcess(hubProcess.url, join(workDir, 'executor'), [
      '--execute-only',
      '--crs-path',
      join(workDir, 'no-crs'),
    ]);
    workers.push(executor);
    const deadline = Date.now() + 120_000;
    while ((executor.output().match(/→ wait/g) ?? []).length < 3) {
      assert.ok(Date.now() < deadline && executor.child.exitCode === null, executor.output());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(executor.output(), /Noir tasks: execute only/);
    assert.equal(
      (await waitForProgress(hub, token, programId, () => true)).verified,
      0,
      'witnesses are not results',
    );

    // A lying executor: the witness it uploads is a real one, but of another number (89, not 97).
    await executor.stop('SIGTERM');
    await uploadGroup('split-bad.csv', `${u32(97)}\n`);
    const liar = new WorkerClient({
      hub,
      keys: keyPairFromSeed(new Uint8Array(32).fill(8)),
      now: () => Date.now(),
    });
    await liar.register({ name: 'lying executor' });
    const { lease } = await liar.lease({
      memory_pages_max: 1,
      fuel_per_second: 1,
      seconds_available: 3600,
      runtimes: ['noir'],
      role: 'execute',
    });
    assert.equal(lease?.input_group_id, groups.get('split-bad.csv'));
    const circuit = await compileNoir(
      readTar(await packFolder(join(EXAMPLES, 'primality-zk'))).filter((entry) => entry.type === 'file'),
    );
    const otherWitness = await executeNoir(
      circuit,
      valuesFromRows(circuit.abi, [new Uint8Array([0, 0, 0, 89])]),
    );
    await liar.submitWitness(lease?.replica_id ?? '', otherWitness);
    const honestExecutor = startWorkerProcess(hubProcess.url, join(workDir, 'executor'), [
      '--execute-only',
      '--crs-path',
      join(workDir, 'no-crs'),
    ]);
    workers.push(honestExecutor);

    const proverProcess = startWorkerProcess(hubProcess.url, join(workDir, 'prove-only'), [
      '--prove-only',
      '--crs-path',
      TEST_CRS_PATH,
    ]);
    workers.push(proverProcess);
    const progress = await waitForProgress(
      hub,
      token,
      programId,
      (p) => p.verified === p.total,
      120_000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\nprover:\n${proverProcess.output()}\nexecutor:\n${honestExecutor.output()}`,
      );
    });
    assert.equal(progress.verified, 4, proverProcess.output());
    // The prover saw the witness proved another number, said so, and the hub blamed the liar.
    assert.equal((await liar.me()).reputation.results_invalid, 1);
    const bad = await hub.api.taskResult(
      { params: { program_id: programId, input_group_id: groups.get('split-bad.csv') ?? '' } },
      { token },
    );
    assert.equal(new TextDecoder().decode(bad.bytes), 'true');
    const badHistory = bad.headers['proofgrid-verdict'].history;
    assert.deepEqual(
      badHistory.map((entry) => [entry.kind, entry.state]),
      [
        ['execute', 'rejected'],
        ['prove', 'returned'],
        ['execute', 'handed_off'],
        ['prove', 'submitted'],
      ],
    );
    assert.match(badHistory[0]?.rejection_reason ?? '', /witness does not satisfy the program/);
    const executorId = /Worker (\S+) \(pid/.exec(executor.output())?.[1];
    const proverId = /Worker (\S+) \(pid/.exec(proverProcess.output())?.[1];
    for (const [n, answer] of [
      [2, true],
      [91, false],
      [65519, true],
    ] as const) {
      const response = await hub.api.taskResult(
        { params: { program_id: programId, input_group_id: groups.get(`split-${n}.csv`) ?? '' } },
        { token },
      );
      assert.equal(new TextDecoder().decode(response.bytes), JSON.stringify(answer));
      const { history } = response.headers['proofgrid-verdict'];
      assert.deepEqual(
        history.map((entry) => [entry.kind, entry.worker_id, entry.judgement]),
        [
          ['execute', executorId, 'agreed'],
          ['prove', proverId, 'agreed'],
        ],
      );
    }
  });

  it("accepts a Noir proof through seed 004's anonymous POST /program/proof, without a lease, only if it checks out", async () => {
    const circuit = await compileNoir(
      readTar(await packFolder(join(EXAMPLES, 'primality-zk'))).filter((entry) => entry.type === 'file'),
    );
    const key = await prover.verificationKey(circuit.bytecode);
    const proofFor = async (n: number) => {
      const witness = await executeNoir(
        circuit,
        valuesFromRows(circuit.abi, [Buffer.from(u32(n), 'base64')]),
      );
      const proof = await prover.prove(circuit.bytecode, witness, key);
      return { proof: Buffer.from(proof.proof).toString('base64'), public_inputs: proof.publicInputs };
    };
    const organizationId = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString(),
    ).organization_id;
    const upload = async (groupId: string, file: unknown) =>
      hub.api.uploadProof({
        file: { name: 'proof.json', bytes: new TextEncoder().encode(JSON.stringify(file)) },
        data: { organization_id: organizationId, program_id: programId, input_group_id: groupId },
      });
    const groupId = await uploadGroup('anonymous.csv', `${u32(4097)}\n`);
    const good = await proofFor(4097);
    const tampered = {
      ...good,
      proof: Buffer.from(
        Buffer.from(good.proof, 'base64').map((byte, i) => (i === 300 ? byte ^ 1 : byte)),
      ).toString('base64'),
    };
    await assert.rejects(upload(groupId, tampered), { code: 'PROOF_REJECTED', message: /does not verify/ });
    await assert.rejects(upload(groupId, await proofFor(4093)), {
      code: 'PROOF_REJECTED',
      message: /proves other inputs/,
    });
    await assert.rejects(upload(groupId, { proof: 'not json' }), {
      code: 'PROOF_REJECTED',
      message: /JSON \{"proof"/,
    });
    assert.equal(await upload(groupId, good), null);
    const result = await hub.api.taskResult(
      { params: { program_id: programId, input_group_id: groupId } },
      { token },
    );
    assert.equal(new TextDecoder().decode(result.bytes), 'false', '4097 = 17 × 241');
    await assert.rejects(upload(groupId, good), {
      code: 'PROOF_REJECTED',
      message: /replay|already verified/,
    });
  });
});
