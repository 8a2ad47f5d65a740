import type { ReplicaLease } from '@proofgrid/client';
import { decodeBase64, readTar } from '@proofgrid/core';
import {
  compileNoir,
  executeNoir,
  type NoirCircuit,
  type NoirProof,
  NoirProver,
  valuesFromRows,
} from '@proofgrid/runtime';

const CIRCUIT_CACHE_MAX = 8;

/**
 * The worker's side of Noir tasks: compile the program (cached by the archive's hash, with its
 * verification key, which makes proving faster), execute it on the task's values, prove the witness.
 * One `bb` process serves every task; `close` stops it.
 */
export class NoirTasks {
  readonly #prover: NoirProver;
  readonly #circuits = new Map<string, Promise<{ circuit: NoirCircuit; verificationKey: Uint8Array }>>();

  constructor(options: { crsPath: string; threads: number }) {
    this.#prover = new NoirProver(options);
  }

  /** Whether the CRS directory holds any points: without them this worker cannot prove, and says so. */
  get crsPoints(): number {
    return this.#prover.crsPoints;
  }

  async prove(
    lease: ReplicaLease,
    archive: Uint8Array,
  ): Promise<NoirProof & { executeMs: number; proveMs: number }> {
    const { circuit, verificationKey } = await this.#compiled(lease.program_sha256, archive);
    const rows = lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0));
    const startedMs = performance.now();
    const witness = await executeNoir(circuit, valuesFromRows(circuit.abi, rows));
    const executedMs = performance.now();
    const proof = await this.#prover.prove(circuit.bytecode, witness, verificationKey);
    return { ...proof, executeMs: executedMs - startedMs, proveMs: performance.now() - executedMs };
  }

  close(): Promise<void> {
    return this.#prover.close();
  }

  #compiled(sha256: string, archive: Uint8Array) {
    let compiled = this.#circuits.get(sha256);
    if (compiled === undefined) {
      compiled = (async () => {
        const circuit = await compileNoir(readTar(archive).filter((entry) => entry.type === 'file'));
        return { circuit, verificationKey: await this.#prover.verificationKey(circuit.bytecode) };
      })();
      // A failed compilation is not cached: the next lease tries again.
      compiled.catch(() => this.#circuits.delete(sha256));
      if (this.#circuits.size >= CIRCUIT_CACHE_MAX)
        this.#circuits.delete(this.#circuits.keys().next().value ?? '');
      this.#circuits.set(sha256, compiled);
    }
    return compiled;
  }
}
