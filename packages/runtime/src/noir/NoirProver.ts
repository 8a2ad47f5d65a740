import { statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Barretenberg } from '@aztec/bb.js';
import { WITNESS_UNZIPPED_BYTES_MAX } from '@proofgrid/core';
import { compileNoir, NARGO_TOML } from './compileNoir.ts';
import { CircuitTooLargeError, NoirVerifierUnavailableError } from './errors.ts';
import { executeNoir } from './executeNoir.ts';
import { isFieldHex } from './noirAbi.ts';

/** Proofs are UltraHonk with zero knowledge and Poseidon2 transcripts (bb.js's default target). */
const SETTINGS = {
  ipaAccumulation: false,
  oracleHashType: 'poseidon2',
  disableZk: false,
  optimizedSolidityVerifier: false,
} as const;
const FIELD_BYTES = 32;
const G1_POINT_BYTES = 64;
/**
 * Fields of every UltraHonk zero-knowledge proof bb.js 5.0.0 makes, whatever the circuit: proofs are padded
 * to a constant size. A proof of another size is malformed and never reaches `bb`.
 */
const NOIR_PROOF_FIELDS = 458;
export const NOIR_PROOF_SIZE_BYTES = NOIR_PROOF_FIELDS * FIELD_BYTES;

export type NoirProverOptions = {
  /** The directory holding `bn254_g1.dat` and `bn254_g2.dat` (Aztec Ignition points). */
  crsPath: string;
  /** Threads the native prover may use; the worker passes its CPU allowance. */
  threads: number;
};

export type NoirProof = {
  /** The proof's field elements, concatenated (32 bytes each). */
  proof: Uint8Array;
  /** Public inputs as bb.js gives them: 0x-prefixed 32-byte hex, parameters first, then the return value. */
  publicInputs: string[];
};

/** One `bb` process and the calls using it: it is stopped once retired and no call uses it any more. */
type BbProcess = { api: Promise<Barretenberg>; users: number; retired: boolean };

/**
 * Proves and verifies Noir circuits with bb.js's native backend (a `bb` process). One instance serves
 * many circuits and concurrent calls; `close` stops its process once the calls using it are done.
 */
export class NoirProver {
  readonly #options: NoirProverOptions;
  readonly #pointsAvailable: number;
  #shared: BbProcess | undefined;
  #probe: Promise<{ verificationKey: Uint8Array; proof: NoirProof }> | undefined;

  constructor(options: NoirProverOptions) {
    this.#options = options;
    this.#pointsAvailable = crsPoints(options.crsPath);
  }

  /** Points the CRS directory holds: the largest circuit it can prove has one fewer gates (rounded to a power of two). */
  get crsPoints(): number {
    return this.#pointsAvailable;
  }

  /** Gates of the circuit and the CRS points proving it needs; refuses a circuit the CRS cannot serve. */
  async checkSize(bytecode: string): Promise<{ gates: number; pointsNeeded: number }> {
    const stats = await this.#withShared((api) =>
      api.circuitStats({
        circuit: { name: 'circuit', bytecode: acirBytes(bytecode), verificationKey: new Uint8Array(0) },
        includeGatesPerOpcode: false,
        settings: SETTINGS,
      }),
    );
    const pointsNeeded = stats.numGatesDyadic + 1;
    if (pointsNeeded > this.#pointsAvailable)
      throw new CircuitTooLargeError({
        pointsNeeded,
        pointsAvailable: this.#pointsAvailable,
        crsPath: this.#options.crsPath,
      });
    return { gates: stats.numGates, pointsNeeded };
  }

  async verificationKey(bytecode: string): Promise<Uint8Array> {
    await this.checkSize(bytecode);
    const { bytes } = await this.#withShared((api) =>
      api.circuitComputeVk({
        circuit: { name: 'circuit', bytecode: acirBytes(bytecode) },
        settings: SETTINGS,
      }),
    );
    return bytes;
  }

  /**
   * Proves a witness (as noir_js's `execute` returns it, gzipped); the key makes proving faster. A witness
   * that inflates past `WITNESS_UNZIPPED_BYTES_MAX` is refused, not inflated.
   */
  async prove(bytecode: string, witness: Uint8Array, verificationKey: Uint8Array): Promise<NoirProof> {
    const inflated = inflateWitness(witness);
    const { proof, publicInputs } = await this.#withShared((api) =>
      api.circuitProve({
        witness: inflated,
        circuit: { name: 'circuit', bytecode: acirBytes(bytecode), verificationKey },
        settings: SETTINGS,
      }),
    );
    const flat = new Uint8Array(proof.length * FIELD_BYTES);
    proof.forEach((field, i) => {
      flat.set(field, i * FIELD_BYTES);
    });
    return { proof: flat, publicInputs: publicInputs.map(toHex) };
  }

  /**
   * Whether the proof verifies against the key with exactly these public inputs: `false` for evidence that
   * is wrong (malformed, altered, for other inputs or another circuit).
   *
   * `bb` refuses some malformed proofs by failing rather than answering false, and it can also fail for
   * reasons of its own (a crash, a corrupt CRS). So anything but `true` is tried once more on a `bb` of its
   * own (a failing shared one is retired, never stopped under the calls still using it), and the proof is
   * refused only if that `bb` verifies a known-good proof.
   *
   * @throws {NoirVerifierUnavailableError} when it cannot tell: no CRS here, or `bb` does not work.
   *   Nothing may be rejected for that.
   */
  async verify(verificationKey: Uint8Array, proof: NoirProof): Promise<boolean> {
    if (proof.proof.length !== NOIR_PROOF_SIZE_BYTES || !proof.publicInputs.every(isFieldHex)) return false;
    if (!hasCrs(this.#options.crsPath))
      throw new NoirVerifierUnavailableError({
        reason: `there is no CRS at ${this.#options.crsPath} (bn254_g1.dat and bn254_g2.dat)`,
        fix: 'Point --crs-path (or PROOFGRID_CRS_PATH) at a directory of Aztec Ignition points, then check again.',
      });
    let answer: boolean | undefined;
    let failure: unknown;
    try {
      answer = await this.#withShared((api) => verifyOn(api, verificationKey, proof));
    } catch (error) {
      failure = error;
    }
    if (answer === true) return true;
    // A refusal is trusted only from a `bb` that accepts a known-good proof: one with a corrupt CRS
    // answers false to everything. Checked on a `bb` of its own, as the shared one may be gone.
    const own = this.#spawn();
    try {
      if (answer === undefined) {
        try {
          answer = await verifyOn(await own, verificationKey, proof);
        } catch (error) {
          failure = error;
        }
      }
      if (answer === true) return true;
      if (await this.#works(own)) return false;
    } finally {
      await stop(own);
    }
    throw new NoirVerifierUnavailableError({
      reason:
        failure === undefined
          ? 'the verifier (bb) refuses a known-good proof too'
          : `the verifier (bb) fails, and refuses a known-good proof too: ${failure instanceof Error ? failure.message : String(failure)}`,
      fix: 'Check that bb.js is installed whole and the CRS files (bn254_g1.dat, bn254_g2.dat) are the Aztec Ignition points, then try again.',
      cause: failure,
    });
  }

  /** Whether `bb` verifies a proof known to be good (made once, on first need, of a one-gate program). */
  async #works(bb: Promise<Barretenberg>): Promise<boolean> {
    try {
      this.#probe ??= this.#makeProbe();
      const probe = await this.#probe;
      return await verifyOn(await bb, probe.verificationKey, probe.proof);
    } catch {
      this.#probe = undefined;
      return false;
    }
  }

  async #makeProbe(): Promise<{ verificationKey: Uint8Array; proof: NoirProof }> {
    const circuit = await compileNoir([
      { path: NARGO_TOML, data: new TextEncoder().encode('[package]\nname = "probe"\ntype = "bin"\n') },
      { path: 'src/main.nr', data: new TextEncoder().encode('fn main(x: pub Field) -> pub Field { x + 1 }') },
    ]);
    const verificationKey = await this.verificationKey(circuit.bytecode);
    const witness = await executeNoir(circuit, [1n]);
    return { verificationKey, proof: await this.prove(circuit.bytecode, witness, verificationKey) };
  }

  /** Stops the `bb` process once the calls using it are done; the next call starts another. */
  async close(): Promise<void> {
    const shared = this.#shared;
    if (shared) await this.#retire(shared);
  }

  /** Runs one call on the shared `bb`; a failure retires it, so the next call gets a fresh one. */
  async #withShared<T>(call: (api: Barretenberg) => Promise<T>): Promise<T> {
    this.#shared ??= { api: this.#spawn(), users: 0, retired: false };
    const bb = this.#shared;
    bb.users += 1;
    try {
      return await call(await bb.api);
    } catch (error) {
      void this.#retire(bb);
      throw error;
    } finally {
      bb.users -= 1;
      if (bb.retired && bb.users === 0) await stop(bb.api);
    }
  }

  async #retire(bb: BbProcess): Promise<void> {
    if (this.#shared === bb) this.#shared = undefined;
    bb.retired = true;
    if (bb.users === 0) await stop(bb.api);
  }

  #spawn(): Promise<Barretenberg> {
    // bb.js hands `crsPath` only to its WebAssembly backends; the native `bb` reads CRS_PATH from its
    // environment, which it inherits from this process.
    process.env.CRS_PATH = this.#options.crsPath;
    // Loaded on first use: bb.js takes a tenth of a second to import, which every CLI command would pay.
    return import('@aztec/bb.js').then(({ BackendType, Barretenberg }) =>
      Barretenberg.new({ threads: this.#options.threads, backend: BackendType.NativeUnixSocket }),
    );
  }
}

async function verifyOn(
  api: Barretenberg,
  verificationKey: Uint8Array,
  { proof, publicInputs }: NoirProof,
): Promise<boolean> {
  const fields: Uint8Array[] = [];
  for (let i = 0; i < proof.length; i += FIELD_BYTES) fields.push(proof.subarray(i, i + FIELD_BYTES));
  const { verified } = await api.circuitVerify({
    verificationKey,
    publicInputs: publicInputs.map(fromHex),
    proof: fields,
    settings: SETTINGS,
  });
  return verified;
}

/** Stops a `bb` process; one that never started or already died needs nothing. */
async function stop(bb: Promise<Barretenberg>): Promise<void> {
  await (await bb.catch(() => undefined))?.destroy().catch(() => undefined);
}

/** Inflates a gzipped witness, refusing one that inflates past the limit (a compression bomb). */
export function inflateWitness(witness: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(witness, { maxOutputLength: WITNESS_UNZIPPED_BYTES_MAX }));
  } catch (error) {
    throw new RangeError(
      `the witness is not gzip of at most ${WITNESS_UNZIPPED_BYTES_MAX} bytes: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Whether both CRS files are there: verifying needs the G2 point as well as G1 points. */
function hasCrs(crsPath: string): boolean {
  try {
    return (
      statSync(`${crsPath}/bn254_g1.dat`).size >= G1_POINT_BYTES &&
      statSync(`${crsPath}/bn254_g2.dat`).size > 0
    );
  } catch {
    return false;
  }
}

/** Points in the CRS directory's G1 file; 0 when it is missing. */
function crsPoints(crsPath: string): number {
  try {
    return Math.floor(statSync(`${crsPath}/bn254_g1.dat`).size / G1_POINT_BYTES);
  } catch {
    return 0;
  }
}

/** noir_wasm's bytecode is base64 of gzipped ACIR; bb wants the ACIR itself. */
function acirBytes(bytecode: string): Uint8Array {
  return new Uint8Array(gunzipSync(Buffer.from(bytecode, 'base64')));
}

function toHex(field: Uint8Array): string {
  return `0x${Buffer.from(field).toString('hex')}`;
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
}
