import type { ReplicaLease } from '@proofgrid/client';
import { decodeBase64, readTar } from '@proofgrid/core';
import {
  compileNoir,
  executeNoir,
  type NoirCircuit,
  type NoirProof,
  NoirProver,
  publicInputsOf,
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
  readonly #circuits = new Map<string, Promise<NoirCircuit>>();
  readonly #keys = new Map<string, Promise<Uint8Array>>();

  constructor(options: { crsPath: string; threads: number }) {
    this.#prover = new NoirProver(options);
  }

  /** Whether the CRS directory holds any points: without them this worker cannot prove, and says so. */
  get crsPoints(): number {
    return this.#prover.crsPoints;
  }

  /** Executes the task (its values from the lease) and returns the witness, gzipped as noir_js gives it. */
  async execute(lease: ReplicaLease, archive: Uint8Array): Promise<Uint8Array> {
    const circuit = await this.#circuit(lease.program_sha256, archive);
    const rows = lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0));
    return executeNoir(circuit, valuesFromRows(circuit.abi, rows));
  }

  /** Proves the task: from `witnessGiven` when another worker executed it, else after executing it here. */
  async prove(
    lease: ReplicaLease,
    archive: Uint8Array,
    witnessGiven?: Uint8Array,
  ): Promise<NoirProof & { executeMs: number; proveMs: number }> {
    const circuit = await this.#circuit(lease.program_sha256, archive);
    const verificationKey = await this.#key(lease.program_sha256, circuit);
    const startedMs = performance.now();
    const witness = witnessGiven ?? (await this.execute(lease, archive));
    const executedMs = performance.now();
    const proof = await this.#prover.prove(circuit.bytecode, witness, verificationKey);
    return { ...proof, executeMs: executedMs - startedMs, proveMs: performance.now() - executedMs };
  }

  /** Whether a proof's public inputs start with the task's inputs (a witness from elsewhere may not). */
  async provesTask(lease: ReplicaLease, archive: Uint8Array, proof: NoirProof): Promise<boolean> {
    const circuit = await this.#circuit(lease.program_sha256, archive);
    const rows = lease.input.map((value) => decodeBase64(value) ?? new Uint8Array(0));
    const expected = publicInputsOf(circuit.abi, valuesFromRows(circuit.abi, rows));
    return expected.every((field, i) => proof.publicInputs[i]?.toLowerCase() === field);
  }

  close(): Promise<void> {
    return this.#prover.close();
  }

  #circuit(sha256: string, archive: Uint8Array): Promise<NoirCircuit> {
    return cached(this.#circuits, sha256, () =>
      compileNoir(readTar(archive).filter((entry) => entry.type === 'file')),
    );
  }

  /** Only provers need the key (and a CRS): an execute-only worker never computes it. */
  #key(sha256: string, circuit: NoirCircuit): Promise<Uint8Array> {
    return cached(this.#keys, sha256, () => this.#prover.verificationKey(circuit.bytecode));
  }
}

/** A bounded cache of work by program hash; a failure is not kept, so the next lease tries again. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let entry = cache.get(key);
  if (entry === undefined) {
    entry = make();
    entry.catch(() => cache.delete(key));
    if (cache.size >= CIRCUIT_CACHE_MAX) cache.delete(cache.keys().next().value ?? '');
    cache.set(key, entry);
  }
  return entry;
}
