import {
  InvalidManifestError,
  InvalidTarError,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  readTar,
} from '@proofgrid/core';
import { instrumentModule } from '@proofgrid/runtime';

/**
 * Checks a program archive on upload. It must be a safe tar with at least one file. If it holds a
 * `proofgrid.json`, the manifest must be valid and its entry module must pass the sandbox's checks
 * (imports, instructions, memory), so a program that could never run is refused now, not on every donor.
 * Without a manifest the program is opaque, as in seed 004: its organization verifies its results.
 *
 * @returns the manifest, or `null` for an opaque program
 * @throws INVALID_TAR, INVALID_MANIFEST, INVALID_MODULE
 */
export function validateProgramArchive(archive: Uint8Array): Manifest | null {
  const entries = readTar(archive);
  if (!entries.some((entry) => entry.type === 'file'))
    throw new InvalidTarError({ reason: 'it holds no file' });
  const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH && entry.type === 'file');
  if (manifestEntry === undefined) return null;
  const manifest = parseManifest(manifestEntry.data);
  const module = entries.find((entry) => entry.path === manifest.entry && entry.type === 'file');
  if (module === undefined)
    throw new InvalidManifestError({ reason: `its entry "${manifest.entry}" is not a file in the archive` });
  instrumentModule(module.data, { memoryPagesMax: manifest.limits.memory_pages });
  return manifest;
}
