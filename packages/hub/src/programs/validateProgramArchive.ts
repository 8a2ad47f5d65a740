import {
  InvalidManifestError,
  InvalidTarError,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  readTar,
} from '@proofgrid/core';
import {
  compileNoir,
  instrumentModule,
  NARGO_TOML,
  type NoirCircuit,
  type NoirProver,
} from '@proofgrid/runtime';

/** A Noir program's compiled circuit and key, computed once on upload and kept with the program. */
export type CompiledCircuit = { circuit: NoirCircuit; verificationKey: Uint8Array };

/**
 * Checks a program archive on upload. It must be a safe tar with at least one file.
 * - With a `proofgrid.json` of runtime `wasm`, its entry module must pass the sandbox's checks (imports,
 *   instructions, memory), so a program that could never run is refused now, not on every donor.
 * - A Noir project (`Nargo.toml`, with or without a manifest of runtime `noir`) must compile, bind its
 *   inputs (public parameters only) and fit the CRS; its verification key is computed here.
 * - Anything else is opaque, as in seed 004: its organization verifies its results.
 *
 * @returns the manifest (null for an opaque program) and, for Noir, the circuit and its key
 * @throws INVALID_TAR, INVALID_MANIFEST, INVALID_MODULE, NOIR_COMPILE_FAILED, INVALID_NOIR_PROGRAM, CIRCUIT_TOO_LARGE
 */
export async function validateProgramArchive(
  archive: Uint8Array,
  { noir }: { noir: NoirProver },
): Promise<{ manifest: Manifest | null; compiled: CompiledCircuit | null }> {
  const entries = readTar(archive).filter((entry) => entry.type === 'file');
  if (entries.length === 0) throw new InvalidTarError({ reason: 'it holds no file' });
  const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH);
  const hasNargo = entries.some((entry) => entry.path === NARGO_TOML);
  if (manifestEntry === undefined && !hasNargo) return { manifest: null, compiled: null };
  const manifest = manifestEntry === undefined ? noirDefaults() : parseManifest(manifestEntry.data);
  if (manifest.runtime === 'noir') {
    const circuit = await compileNoir(entries);
    // Computing the key refuses a circuit the CRS cannot serve (CIRCUIT_TOO_LARGE).
    const verificationKey = await noir.verificationKey(circuit.bytecode);
    return { manifest, compiled: { circuit, verificationKey } };
  }
  const module = entries.find((entry) => entry.path === manifest.entry);
  if (module === undefined)
    throw new InvalidManifestError({ reason: `its entry "${manifest.entry}" is not a file in the archive` });
  instrumentModule(module.data, { memoryPagesMax: manifest.limits.memory_pages });
  return { manifest, compiled: null };
}

/** A bare Noir project (no proofgrid.json) gets the only policy Noir has: proofs. */
function noirDefaults(): Manifest {
  return parseManifest(new TextEncoder().encode(JSON.stringify({ name: 'noir', runtime: 'noir' })));
}
