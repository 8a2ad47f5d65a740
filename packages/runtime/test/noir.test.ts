import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import {
  compileNoir,
  decodeReturn,
  executeNoir,
  FIELD_MODULUS,
  NOIR_PROOF_SIZE_BYTES,
  type NoirCircuit,
  NoirProver,
  publicInputsOf,
  rowsFromValues,
  valuesFromMapping,
  valuesFromRows,
} from '../src/index.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
/** The Aztec Ignition subset shipped beside the repository (circuits up to 2^15 gates). */
const CRS_PATH = join(ROOT, '../shared/crs');
const u32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

async function projectFiles(dir: string): Promise<{ path: string; data: Uint8Array }[]> {
  const files: { path: string; data: Uint8Array }[] = [];
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push({ path: relative(dir, path), data: await readFile(path) });
    }
  };
  await walk(dir);
  return files;
}
const source = (main: string, toml = '[package]\nname = "t"\ntype = "bin"\n\n[dependencies]\n') => [
  { path: 'Nargo.toml', data: new TextEncoder().encode(toml) },
  { path: 'src/main.nr', data: new TextEncoder().encode(main) },
];

describe('runtime noir', () => {
  const prover = new NoirProver({ crsPath: CRS_PATH, threads: 2 });
  let primality: NoirCircuit;
  let verificationKey: Uint8Array;
  before(async () => {
    primality = await compileNoir(await projectFiles(join(ROOT, 'examples/primality-zk')));
    verificationKey = await prover.verificationKey(primality.bytecode);
  });
  after(() => prover.close());

  it('proves a task, and the proof verifies only with its own inputs and result', async () => {
    const values = valuesFromRows(primality.abi, [u32(65521)]);
    const witness = await executeNoir(primality, values);
    const proof = await prover.prove(primality.bytecode, witness, verificationKey);
    const bound = publicInputsOf(primality.abi, values);
    assert.deepEqual(proof.publicInputs.slice(0, bound.length), bound, 'the parameters come first');
    assert.equal(decodeReturn(primality.abi, proof.publicInputs.slice(bound.length)), true);
    assert.equal(await prover.verify(verificationKey, proof), true);

    const otherNumber = publicInputsOf(primality.abi, valuesFromRows(primality.abi, [u32(65519)]));
    assert.equal(
      await prover.verify(verificationKey, {
        ...proof,
        publicInputs: [...otherNumber, ...proof.publicInputs.slice(1)],
      }),
      false,
    );
    const flipped = proof.publicInputs.slice(0, 1).concat(`0x${'0'.repeat(64)}`);
    assert.equal(
      await prover.verify(verificationKey, { ...proof, publicInputs: flipped }),
      false,
      'a false answer',
    );
    // The same element past the modulus would decode to another result: never a valid public input.
    const shifted = proof.publicInputs.map((field, i) =>
      i === bound.length ? `0x${(BigInt(field) + FIELD_MODULUS).toString(16).padStart(64, '0')}` : field,
    );
    assert.equal(await prover.verify(verificationKey, { ...proof, publicInputs: shifted }), false);
    const tampered = new Uint8Array(proof.proof);
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    assert.equal(await prover.verify(verificationKey, { ...proof, proof: tampered }), false);
    assert.equal(
      await prover.verify(verificationKey, { ...proof, proof: proof.proof.subarray(0, 64) }),
      false,
    );
  });

  it('answers false, never "could not check", for proofs bb refuses by failing', async () => {
    const values = valuesFromRows(primality.abi, [u32(4097)]);
    const proof = await prover.prove(
      primality.bytecode,
      await executeNoir(primality, values),
      verificationKey,
    );
    assert.equal(proof.proof.length, NOIR_PROOF_SIZE_BYTES, 'every proof of this system has one size');
    // Flipping a byte of some fields makes bb fail (a limb out of range) instead of answering false.
    for (const at of [300, 310, 1000]) {
      const tampered = new Uint8Array(proof.proof);
      tampered[at] = (tampered[at] ?? 0) ^ 1;
      assert.equal(await prover.verify(verificationKey, { ...proof, proof: tampered }), false, `byte ${at}`);
    }
    assert.equal(await prover.verify(verificationKey, proof), true, 'and it still verifies good proofs');
  });

  it('says it could not check, and never answers, where there is no CRS', async () => {
    const blind = new NoirProver({ crsPath: join(ROOT, 'no-such-crs'), threads: 1 });
    try {
      const values = valuesFromRows(primality.abi, [u32(7)]);
      const proof = await prover.prove(
        primality.bytecode,
        await executeNoir(primality, values),
        verificationKey,
      );
      await assert.rejects(blind.verify(verificationKey, proof), {
        code: 'VERIFIER_UNAVAILABLE',
        message: /no CRS at .*no-such-crs/,
      });
    } finally {
      await blind.close();
    }
  });

  it('never refuses an honest proof because bb died under it, even with verifications in flight', async () => {
    const values = valuesFromRows(primality.abi, [u32(13)]);
    const proof = await prover.prove(
      primality.bytecode,
      await executeNoir(primality, values),
      verificationKey,
    );
    for (let round = 0; round < 2; round++) {
      const checks = Array.from({ length: 4 }, () => prover.verify(verificationKey, proof));
      // SIGKILL every bb this process runs, as a crash or the OOM killer would.
      const children = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], {
        encoding: 'utf8',
      })
        .stdout.split('\n')
        .filter((line) => /\bbb$/.test(line.trim()))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
      assert.ok(children.length > 0, 'bb runs as a child process');
      for (const pid of children) process.kill(pid, 'SIGKILL');
      assert.deepEqual(await Promise.all(checks), [true, true, true, true], `round ${round}`);
    }
  });

  it('answers composite numbers too, and fails (with the assertion) outside its range', async () => {
    const values = valuesFromRows(primality.abi, [u32(65535)]);
    const proof = await prover.prove(
      primality.bytecode,
      await executeNoir(primality, values),
      verificationKey,
    );
    assert.equal(decodeReturn(primality.abi, proof.publicInputs.slice(1)), false);
    await assert.rejects(executeNoir(primality, valuesFromRows(primality.abi, [u32(70_000)])), {
      code: 'NOIR_EXECUTION_FAILED',
      message: /below 65536/,
    });
  });

  it('takes inputs as CSV rows or as a Prover.toml mapping, and refuses ones that do not fit', () => {
    assert.deepEqual(valuesFromMapping(primality.abi, { number: 97 }), [97n]);
    assert.deepEqual(rowsFromValues(primality.abi, [97n]), [u32(97)]);
    assert.throws(() => valuesFromRows(primality.abi, []), {
      code: 'INVALID_NOIR_INPUT',
      message: /takes 1 parameter/,
    });
    assert.throws(() => valuesFromRows(primality.abi, [new Uint8Array(5).fill(255)]), {
      message: /u32 lies between/,
    });
    assert.throws(() => valuesFromMapping(primality.abi, { number: 1, extra: 2 }), {
      message: /no parameter extra/,
    });
    assert.throws(() => valuesFromMapping(primality.abi, { number: 'seven' }), {
      code: 'INVALID_NOIR_INPUT',
    });
  });

  it("refuses a program that does not compile, with the compiler's message", async () => {
    await assert.rejects(
      compileNoir(source('fn main(x: pub u32) -> pub u32 { x + y }')),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'NOIR_COMPILE_FAILED');
        assert.match(error.message, /cannot find `y`|y/);
        return true;
      },
    );
  });

  it('refuses dependencies, private parameters and libraries, saying what to do', async () => {
    const withDependency =
      '[package]\nname = "t"\ntype = "bin"\n\n[dependencies]\nposeidon = { tag = "v0.1.0", git = "https://github.com/noir-lang/poseidon" }\n';
    await assert.rejects(compileNoir(source('fn main(x: pub u32) {}', withDependency)), {
      code: 'INVALID_NOIR_PROGRAM',
      message: /dependencies \(poseidon\).*network/,
    });
    await assert.rejects(compileNoir(source('fn main(x: u32, y: pub u32) { assert(x != y); }')), {
      code: 'INVALID_NOIR_PROGRAM',
      message: /parameter\(s\) x of main\(\) are not public/,
    });
    await assert.rejects(compileNoir(source('fn f() {}', '[package]\nname = "t"\ntype = "lib"\n')), {
      code: 'INVALID_NOIR_PROGRAM',
      message: /package type is "lib"/,
    });
  });

  it('says how many CRS points a circuit too large for the CRS needs', async () => {
    const big = await compileNoir(
      source(
        'fn main(seed: pub Field) -> pub Field { let mut h = seed; for i in 0..400 { h = std::hash::pedersen_hash([h, i as Field]); } h }',
      ),
    );
    await assert.rejects(prover.verificationKey(big.bytecode), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CIRCUIT_TOO_LARGE');
      assert.match(error.message, /needs (\d+) CRS points; the CRS at .* holds 32769/);
      return true;
    });
  });

  it('proves the sudoku-zk example: a solution is true, a wrong grid false', async () => {
    const sudoku = await compileNoir(await projectFiles(join(ROOT, 'examples/sudoku-zk')));
    const key = await prover.verificationKey(sudoku.bytecode);
    const inputs = await mkdtemp(join(tmpdir(), 'proofgrid-sudoku-'));
    try {
      const generated = spawnSync(process.execPath, [
        join(ROOT, 'examples/sudoku-zk/generate-inputs.mjs'),
        '--out',
        inputs,
        '--count',
        '1',
      ]);
      assert.equal(generated.status, 0, String(generated.stderr));
      for (const [file, answer] of [
        ['solved-0.toml', true],
        ['wrong.toml', false],
      ] as const) {
        const values = valuesFromMapping(sudoku.abi, parseToml(await readFile(join(inputs, file), 'utf8')));
        const proof = await prover.prove(sudoku.bytecode, await executeNoir(sudoku, values), key);
        assert.equal(decodeReturn(sudoku.abi, proof.publicInputs.slice(162)), answer, file);
        assert.equal(await prover.verify(key, proof), true);
      }
    } finally {
      await rm(inputs, { recursive: true, force: true });
    }
  });

  it('proves the hashchain-zk example, whose result is a field element', async () => {
    const chain = await compileNoir(await projectFiles(join(ROOT, 'examples/hashchain-zk')));
    const key = await prover.verificationKey(chain.bytecode);
    const values = valuesFromRows(chain.abi, [new Uint8Array([1])]);
    const proof = await prover.prove(chain.bytecode, await executeNoir(chain, values), key);
    assert.match(String(decodeReturn(chain.abi, proof.publicInputs.slice(1))), /^0x[0-9a-f]{64}$/);
    assert.equal(await prover.verify(key, proof), true);
  });
});
