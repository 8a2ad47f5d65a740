import { statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Barretenberg } from '@aztec/bb.js';
import { WITNESS_UNZIPPED_BYTES_MAX } from '@proofgrid/core';
import { compileNoir, NARGO_TOML } from './compileNoir.ts';
import { CircuitTooLargeError, NoirVerifierUnavailableError } from './errors.ts';
import { executeNoir } from './executeNoir.ts';

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
 * to a constant size. A proof of another size is malformed, not something to ask `bb` about; so when `bb`
 * fails on a proof of the right shape, the verifier failed, not the proof.
 */
export const NOIR_PROOF_FIELDS = 458;
export const NOIR_PROOF_SIZE_BYTES = NOIR_PROOF_FIELDS * FIELD_BYTES;
const FIELD_HEX = /^0x[0-9a-fA-F]{64}$/;

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

/**
 * Proves and verifies Noir circuits with bb.js's native backend (a `bb` process). One instance serves
 * many circuits; `close` stops its process.
 */
export class NoirProver {
  readonly #options: NoirProverOptions;
  readonly #pointsAvailable: number;
  #api: Promise<Barretenberg> | undefined;
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
    const api = await this.#barretenberg();
    const stats = await api.circuitStats({
      circuit: { name: 'circuit', bytecode: acirBytes(bytecode), verificationKey: new Uint8Array(0) },
      includeGatesPerOpcode: false,
      settings: SETTINGS,
    });
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
    const api = await this.#barretenberg();
    const { bytes } = await api.circuitComputeVk({
      circuit: { name: 'circuit', bytecode: acirBytes(bytecode) },
      settings: SETTINGS,
    });
    return bytes;
  }

  /**
   * Proves a witness (as noir_js's `execute` returns it, gzipped); the key makes proving faster. A witness
   * that inflates past `WITNESS_UNZIPPED_BYTES_MAX` is refused, not inflated.
   */
  async prove(bytecode: string, witness: Uint8Array, verificationKey: Uint8Array): Promise<NoirProof> {
    const api = await this.#barretenberg();
    const { proof, publicInputs } = await api.circuitProve({
      witness: inflateWitness(witness),
      circuit: { name: 'circuit', bytecode: acirBytes(bytecode), verificationKey },
      settings: SETTINGS,
    });
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
   * reasons of its own (a crash, a missing file). To tell them apart, a failure is tried once more on a
   * fresh `bb`; if it fails again while `bb` verifies a known-good proof, the proof is what it refuses.
   *
   * @throws {NoirVerifierUnavailableError} when it cannot tell: no CRS here, or `bb` does not work.
   *   Nothing may be rejected for that.
   */
  async verify(verificationKey: Uint8Array, proof: NoirProof): Promise<boolean> {
    if (
      proof.proof.length !== NOIR_PROOF_SIZE_BYTES ||
      !proof.publicInputs.every((field) => FIELD_HEX.test(field))
    )
      return false;
    if (!hasCrs(this.#options.crsPath))
      throw new NoirVerifierUnavailableError({
        reason: `there is no CRS at ${this.#options.crsPath} (bn254_g1.dat and bn254_g2.dat)`,
        fix: 'Point --crs-path (or PROOFGRID_CRS_PATH) at a directory of Aztec Ignition points, then check again.',
      });
    let failure: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return await this.#verifyOnce(verificationKey, proof);
      } catch (error) {
        failure = error;
        // The next call starts a fresh `bb`: this one may be gone.
        await this.close().catch(() => undefined);
      }
    }
    if (await this.#works()) return false;
    throw new NoirVerifierUnavailableError({
      reason: `the verifier (bb) fails, on a known-good proof too: ${failure instanceof Error ? failure.message : String(failure)}`,
      fix: 'Check that bb.js is installed whole and the CRS files are readable, then try again.',
      cause: failure,
    });
  }

  async #verifyOnce(verificationKey: Uint8Array, { proof, publicInputs }: NoirProof): Promise<boolean> {
    const fields: Uint8Array[] = [];
    for (let i = 0; i < proof.length; i += FIELD_BYTES) fields.push(proof.subarray(i, i + FIELD_BYTES));
    const api = await this.#barretenberg();
    const { verified } = await api.circuitVerify({
      verificationKey,
      publicInputs: publicInputs.map(fromHex),
      proof: fields,
      settings: SETTINGS,
    });
    return verified;
  }

  /** Whether `bb` verifies a proof known to be good (made once, on first need, of a one-gate program). */
  async #works(): Promise<boolean> {
    try {
      this.#probe ??= this.#makeProbe();
      const probe = await this.#probe;
      return await this.#verifyOnce(probe.verificationKey, probe.proof);
    } catch {
      this.#probe = undefined;
      await this.close().catch(() => undefined);
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

  async close(): Promise<void> {
    const api = this.#api;
    this.#api = undefined;
    await (await api?.catch(() => undefined))?.destroy();
  }

  #barretenberg(): Promise<Barretenberg> {
    // bb.js hands `crsPath` only to its WebAssembly backends; the native `bb` reads CRS_PATH from its
    // environment, which it inherits from this process.
    process.env.CRS_PATH = this.#options.crsPath;
    // Loaded on first use: bb.js takes a tenth of a second to import, which every CLI command would pay.
    this.#api ??= import('@aztec/bb.js').then(({ BackendType, Barretenberg }) =>
      Barretenberg.new({ threads: this.#options.threads, backend: BackendType.NativeUnixSocket }),
    );
    return this.#api;
  }
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
