import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  encodeBase64,
  inputsHash,
  keyPairFromSeed,
  NANO_PER_CREDIT,
  type PoolOrder,
  type ProgramOrder,
  type RequestOrder,
  signCanonical,
  signOrder,
  writeTar,
} from '@proofgrid/core';
import { compileNoir, executeNoir, type NoirCircuit, NoirProver, valuesFromRows } from '@proofgrid/runtime';
import type { FastifyInstance } from 'fastify';
import { TEST_CRS_PATH } from '../../../test/support/crs.ts';
import { buildHub } from '../src/buildHub.ts';
import { WALLET_LINK_DOMAIN } from '../src/market/wallets.ts';
import { createRuntimes } from '../src/runtimes/createRuntimes.ts';
import { body, csvOf, signUp, u32, uploadInputs, uploadProgram } from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';
import { testWorker } from './support/testWorker.ts';

const EXAMPLE = new URL('../../../examples/primality-zk/', import.meta.url).pathname;

async function exampleFiles(): Promise<{ path: string; data: Uint8Array }[]> {
  const files: { path: string; data: Uint8Array }[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push({ path: relative(EXAMPLE, path), data: await readFile(path) });
    }
  };
  await walk(EXAMPLE);
  return files;
}

for (const driver of DRIVERS) {
  describe(`Noir submissions: every path judged, faults told from forgeries (${driver})`, () => {
    let hub: TestHub;
    let org: Awaited<ReturnType<typeof signUp>>;
    let programId: string;
    let circuit: NoirCircuit;
    let key: Uint8Array;
    let seed = 60;
    const prover = new NoirProver({ crsPath: TEST_CRS_PATH, threads: 1 });
    before(async () => {
      hub = await openTestHub(driver);
      org = await signUp(hub.app);
      const files = await exampleFiles();
      programId = await uploadProgram(hub.app, org.token, { name: 'primality-zk', archive: writeTar(files) });
      circuit = await compileNoir(files);
      key = await prover.verificationKey(circuit.bytecode);
    });
    after(async () => {
      await prover.close();
      await hub.close();
    });
    // Workers take the oldest open task: each test leaves none open for the next.
    afterEach(async () => {
      await hub.app.inject({
        method: 'POST',
        url: `/program/${programId}/cancel`,
        headers: { token: org.token },
      });
    });

    const proofOf = async (n: number) => {
      const witness = await executeNoir(circuit, valuesFromRows(circuit.abi, [u32(n)]));
      return prover.prove(circuit.bytecode, witness, key);
    };
    /** A task for `n` and a fresh worker holding its lease (a full Noir worker). */
    const leased = async (n: number) => {
      const groupId = await uploadInputs(hub.app, org.token, programId, {
        name: `n${n}-${seed}`,
        values: [u32(n)],
      });
      const worker = await testWorker(hub, seed++);
      const { lease } = await worker.lease({ runtimes: ['noir'] });
      assert.equal(lease?.input_group_id, groupId);
      return { groupId, worker, replicaId: lease?.replica_id ?? '' };
    };
    const state = async (groupId: string) =>
      body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/${programId}/tasks/${groupId}`,
          headers: { token: org.token },
        }),
      ).data as {
        state: string;
        replicas: { state: string; judgements: { code: string; reason_code: string }[] }[];
      };

    it('pays a deal task of the market on one valid proof: the program owner, the worker, the pool', async () => {
      const CREDIT = NANO_PER_CREDIT;
      const trader = async (who: Awaited<ReturnType<typeof signUp>>, credits: number) => {
        const wallet = keyPairFromSeed(new Uint8Array(randomBytes(32)));
        const address = Buffer.from(wallet.publicKey).toString('hex');
        const value = { organization_id: who.organizationId, address };
        const signature = Buffer.from(
          signCanonical({ secretKey: wallet.secretKey, domain: WALLET_LINK_DOMAIN, value }),
        ).toString('hex');
        const call = (url: string, payload: object) =>
          hub.app.inject({ method: 'POST', url, headers: { token: who.token }, payload });
        assert.equal((await call('/market/wallet', { address, signature })).statusCode, 200);
        if (credits > 0)
          assert.equal((await call('/market/faucet', { amount: credits * CREDIT })).statusCode, 200);
        return { ...who, wallet, address, call };
      };
      const available = async (token: string) =>
        (
          body(await hub.app.inject({ method: 'GET', url: '/market/account', headers: { token } })).data as {
            balance: { available: number };
          }
        ).balance.available;
      const owner = await trader(org, 0);
      const ownerBefore = await available(org.token);
      const manager = await trader(await signUp(hub.app), 10);
      const requester = await trader(await signUp(hub.app), 10);
      const workerAccount = await trader(await signUp(hub.app), 1);
      await owner.call(
        '/market/orders',
        signOrder<ProgramOrder>(
          {
            kind: 'program',
            program: programId,
            price: CREDIT,
            volume: 10,
            tag: [],
            pool_restrict: '',
            requester_restrict: '',
            salt: '0a',
            signer: owner.address,
          },
          owner.wallet.secretKey,
        ),
      );
      const pool = (
        body(await manager.call('/market/pools', { name: 'zk', description: '', worker_share_percent: 70 }))
          .data as { pool_id: string }
      ).pool_id;
      await manager.call(
        '/market/orders',
        signOrder<PoolOrder>(
          {
            kind: 'pool',
            pool,
            price: 2 * CREDIT,
            volume: 10,
            tag: [],
            category: 'TEST',
            trust: 5,
            program_restrict: '',
            requester_restrict: '',
            salt: '0b',
            signer: manager.address,
          },
          manager.wallet.secretKey,
        ),
      );
      const inputs = [encodeBase64(csvOf([u32(65521)]))];
      const request = signOrder<RequestOrder>(
        {
          kind: 'request',
          program: programId,
          program_max_price: CREDIT,
          pool,
          pool_max_price: 2 * CREDIT,
          requester: requester.organizationId,
          volume: 1,
          tag: [],
          category: 'TEST',
          trust: 5,
          params: '',
          inputs_hash: inputsHash(inputs),
          salt: '0c',
          signer: requester.address,
        },
        requester.wallet.secretKey,
      );
      const filled = await requester.call('/market/fill', { request, inputs });
      assert.equal(filled.statusCode, 200, filled.body);
      const worker = await testWorker(hub, seed++, { token: workerAccount.token });
      assert.equal((await worker.signed('POST', `/market/pools/${pool}/join`)).statusCode, 200);
      const { lease } = await worker.lease({ runtimes: ['noir'] });
      assert.equal(lease?.input_group_id, (body(filled).data as { task_ids: string[] }).task_ids[0]);
      const proof = await proofOf(65521);
      const answer = await worker.submitProof(
        lease?.replica_id ?? '',
        encodeBase64(proof.proof),
        proof.publicInputs,
      );
      assert.equal(
        (body(answer).data as { verdict: string }).verdict,
        'accept',
        'one valid proof settles it, whatever the trust',
      );
      assert.equal(await available(org.token), ownerBefore + CREDIT, "the program's price");
      assert.equal(await available(workerAccount.token), CREDIT + 1.4 * CREDIT, "70% of the pool's price");
      assert.equal(await available(manager.token), 10 * CREDIT + 0.6 * CREDIT, 'the pool keeps 30%');
      assert.equal(await available(requester.token), 7 * CREDIT);
    });

    it('refuses a bare output for a task that needs a proof, counts it, and leaves the task to others', async () => {
      const { groupId, worker, replicaId } = await leased(65521);
      const answer = await worker.submit(replicaId, 'false');
      assert.equal(answer.statusCode, 422, answer.body);
      assert.equal(body(answer).error_code, 'PROOF_REJECTED');
      assert.match(body(answer).error_message ?? '', /only with a proof that verifies/);
      assert.equal((await worker.me()).reputation.results_invalid, 1);
      const task = await state(groupId);
      assert.equal(task.state, 'open');
      assert.deepEqual(
        task.replicas[0]?.judgements.map((j) => j.reason_code),
        ['PROOF_MISSING'],
      );
      // Its lease is over: a proof now is refused, and another worker takes the task and proves it.
      const proof = await proofOf(65521);
      assert.equal(
        body(await worker.submitProof(replicaId, encodeBase64(proof.proof), proof.publicInputs)).error_code,
        'LEASE_NOT_ACTIVE',
      );
      const other = await testWorker(hub, seed++);
      const { lease } = await other.lease({ runtimes: ['noir'] });
      assert.equal(lease?.input_group_id, groupId);
      const accepted = await other.submitProof(
        lease?.replica_id ?? '',
        encodeBase64(proof.proof),
        proof.publicInputs,
      );
      assert.equal(body(accepted).status, 'success', accepted.body);
      assert.equal((await state(groupId)).state, 'verified');
    });

    it('counts a proof once, ever: not again after its organization rejected it, nor twice at once', async () => {
      const { groupId, worker, replicaId } = await leased(13);
      const proof = await proofOf(13);
      const first = await worker.submitProof(replicaId, encodeBase64(proof.proof), proof.publicInputs);
      assert.equal(body(first).status, 'success', first.body);
      const rejected = await hub.app.inject({
        method: 'PATCH',
        url: `/program/proof/${programId}/${groupId}`,
        headers: { token: org.token },
      });
      assert.equal(rejected.statusCode, 200, rejected.body);
      const again = await testWorker(hub, seed++);
      const { lease } = await again.lease({ runtimes: ['noir'] });
      assert.equal(lease?.input_group_id, groupId);
      const replayed = await again.submitProof(
        lease?.replica_id ?? '',
        encodeBase64(proof.proof),
        proof.publicInputs,
      );
      assert.equal(body(replayed).error_code, 'PROOF_REJECTED', replayed.body);
      assert.match(body(replayed).error_message ?? '', /replay/);

      // Two tasks with the same input, one proof sent for both at once: one takes it, the other is a replay.
      await hub.app.inject({
        method: 'POST',
        url: `/program/${programId}/cancel`,
        headers: { token: org.token },
      });
      const twins = [await leased(17), await leased(17)];
      const twinProof = await proofOf(17);
      const answers = await Promise.all(
        twins.map((twin) =>
          twin.worker.submitProof(twin.replicaId, encodeBase64(twinProof.proof), twinProof.publicInputs),
        ),
      );
      assert.deepEqual(
        answers.map((answer) => body(answer).error_code ?? 'accepted').sort(),
        ['PROOF_REJECTED', 'accepted'],
        answers.map((answer) => answer.body).join('\n'),
      );
    });

    it('records a truncated proof against its worker before answering', async () => {
      const { groupId, worker, replicaId } = await leased(7);
      const proof = await proofOf(7);
      const answer = await worker.submitProof(
        replicaId,
        encodeBase64(proof.proof.subarray(0, 1000)),
        proof.publicInputs,
      );
      assert.equal(body(answer).error_code, 'PROOF_REJECTED');
      assert.match(body(answer).error_message ?? '', /a proof of this system is 14656 bytes/);
      assert.equal((await worker.me()).reputation.results_invalid, 1);
      const task = await state(groupId);
      assert.deepEqual(
        task.replicas.map((replica) => [replica.state, replica.judgements.map((j) => j.reason_code)]),
        [['rejected', ['PROOF_MALFORMED']]],
      );
    });

    it('records a false report of a failing program against its worker', async () => {
      const { groupId, worker, replicaId } = await leased(11);
      const answer = await worker.reportExecutionFailure(replicaId);
      assert.equal(body(answer).error_code, 'PROOF_REJECTED');
      assert.match(body(answer).error_message ?? '', /the program runs to its end/);
      assert.equal((await worker.me()).reputation.results_invalid, 1);
      assert.equal((await state(groupId)).state, 'open');
    });

    it('fails a task whose program fails on its input, when the hub sees it fail too', async () => {
      const { groupId, worker, replicaId } = await leased(70_000);
      const answer = await worker.reportExecutionFailure(replicaId);
      assert.deepEqual(body(answer).data, { verdict: 'accept' });
      const task = body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/${programId}/tasks/${groupId}`,
          headers: { token: org.token },
        }),
      ).data as { state: string; failure_reason: string };
      assert.equal(task.state, 'failed');
      assert.match(task.failure_reason, /NOIR_EXECUTION_FAILED: .*below 65536.*confirmed by the hub/);
      assert.equal((await worker.me()).reputation.results_valid, 1);
    });

    it('blames the executor of a gzip bomb of a witness, without inflating it', async () => {
      const groupId = await uploadInputs(hub.app, org.token, programId, {
        name: `bomb-${seed}`,
        values: [u32(13)],
      });
      const executor = await testWorker(hub, seed++);
      const executeLease = (await executor.lease({ runtimes: ['noir'], role: 'execute' })).lease;
      assert.equal(executeLease?.step, 'execute');
      const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024));
      assert.ok(bomb.length < 1024 * 1024, 'a quarter GiB of zeros gzips to well under a MiB');
      assert.equal(
        body(await executor.submitWitness(executeLease?.replica_id ?? '', encodeBase64(bomb))).status,
        'success',
      );
      const proverWorker = await testWorker(hub, seed++);
      const proveLease = (await proverWorker.lease({ runtimes: ['noir'], role: 'prove' })).lease;
      assert.equal(proveLease?.step, 'prove');
      assert.equal(proveLease?.input_group_id, groupId);
      const before = process.memoryUsage().rss;
      const report = await proverWorker.reportBadWitness(proveLease?.replica_id ?? '');
      assert.deepEqual(body(report).data, { verdict: 'add_replica' });
      assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'the hub did not inflate the bomb');
      assert.equal((await executor.me()).reputation.results_invalid, 1);
      assert.equal((await proverWorker.me()).reputation.results_invalid, 0);
      const task = await state(groupId);
      assert.deepEqual(
        task.replicas
          .map((replica) => [replica.state, replica.judgements.map((j) => j.reason_code ?? j.code)])
          .sort(),
        [
          ['rejected', ['WITNESS_WRONG']],
          ['returned', ['returned']],
        ],
      );
    });

    it('says it could not check a proof when its verifier cannot run, blames nobody, and keeps the lease', async () => {
      // The same database and blobs, served by a hub whose CRS lacks the G2 point verifying needs.
      const blindCrs = await mkdtemp(join(tmpdir(), 'proofgrid-blind-crs-'));
      await symlink(join(TEST_CRS_PATH, 'bn254_g1.dat'), join(blindCrs, 'bn254_g1.dat'));
      const blindRuntimes = createRuntimes({ crsPath: blindCrs });
      let blind: FastifyInstance | undefined;
      try {
        blind = await buildHub({ logger: false }, { ...hub.deps, runtimes: blindRuntimes });
        const { groupId, worker, replicaId } = await leased(17);
        const proof = await proofOf(17);
        const payload = { proof: encodeBase64(proof.proof), public_inputs: proof.publicInputs };
        const unchecked = await worker.signedOn(
          blind,
          'POST',
          `/worker/replicas/${replicaId}/proof`,
          payload,
        );
        assert.equal(unchecked.statusCode, 503, unchecked.body);
        assert.equal(body(unchecked).error_code, 'VERIFIER_UNAVAILABLE');
        assert.match(body(unchecked).error_message ?? '', /no CRS at .*Nothing was recorded|there is no CRS/);
        assert.equal((await worker.me()).reputation.results_invalid, 0, 'nobody is blamed');
        assert.equal(body(await worker.heartbeat(replicaId)).status, 'success', 'the lease lives on');
        const checked = await worker.submitProof(replicaId, payload.proof, payload.public_inputs);
        assert.equal(body(checked).status, 'success', checked.body);
        assert.equal((await state(groupId)).state, 'verified');
      } finally {
        await blind?.close();
        await blindRuntimes.close();
        await rm(blindCrs, { recursive: true, force: true });
      }
    });
  });
}
