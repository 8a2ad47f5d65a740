import { ProofGridError } from '../errors/base.ts';
import { FUEL_PER_TASK_MAX, MEMORY_PAGES_MAX, OUTPUT_SIZE_BYTES_MAX, TAR_PATH_BYTES_MAX } from '../limits.ts';

/** How a program's results are accepted. */
export type VerificationPolicy =
  /** k replicas on distinct workers; accepted when a quorum of result hashes match. */
  | { policy: 'replicate'; replicas: number; replicas_max: number }
  /** The first result is accepted (trusted private pools). */
  | { policy: 'none' }
  /** One replica, accepted only with a zero-knowledge proof that verifies (runtime `noir`). */
  | { policy: 'proof' }
  /** One replica at a time; its organization confirms or rejects the result (seed 004's opaque programs). */
  | { policy: 'owner' };

/** A program's manifest, `proofgrid.json` at the root of its archive, with every default filled in. */
export type Manifest = WasmManifest | NoirManifest;

export type WasmManifest = {
  name: string;
  runtime: 'wasm';
  /** Path of the module inside the archive. */
  entry: string;
  limits: { fuel: number; memory_pages: number; output_bytes: number };
  verification: VerificationPolicy;
};

/**
 * A Noir project (`Nargo.toml` and `src/` beside the manifest). It burns no fuel and no WebAssembly
 * memory (both 0, so the hub's scheduling treats every runtime alike); the CRS bounds its size instead.
 */
export type NoirManifest = {
  name: string;
  runtime: 'noir';
  limits: { fuel: 0; memory_pages: 0; output_bytes: number };
  verification: { policy: 'proof' };
};

export const MANIFEST_PATH = 'proofgrid.json';
export const MANIFEST_DEFAULTS = {
  fuel: 10_000_000_000,
  memory_pages: 256,
  output_bytes: 1024 * 1024,
  replicas: 2,
  replicas_max: 5,
} as const;
const REPLICAS_MAX = 16;

export class InvalidManifestError extends ProofGridError {
  override name = 'InvalidManifestError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_MANIFEST', {
      shortMessage: `The program's ${MANIFEST_PATH} is invalid: ${reason}.`,
      details: 'A starter program shows a complete one.',
      action: 'see_template',
    });
  }
}

/**
 * Parses and validates `proofgrid.json`. Unknown keys are refused (a typo must not silently fall back to a
 * default), numbers must be whole and within the protocol limits.
 *
 * @throws {InvalidManifestError}
 * @example
 * parseManifest(new TextEncoder().encode('{"name":"primality","runtime":"wasm","entry":"program.wasm"}'));
 */
export function parseManifest(bytes: Uint8Array): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidManifestError({ reason: 'it is not UTF-8 JSON' });
  }
  const root = object(json, 'the manifest', ['name', 'runtime', 'entry', 'limits', 'verification']);
  if (root.runtime === 'noir') return noirManifest(root);
  if (root.runtime !== 'wasm')
    throw new InvalidManifestError({
      reason: `"runtime" must be "wasm" or "noir" (got ${JSON.stringify(root.runtime)})`,
    });
  const entry = text(root.entry, 'entry');
  if (
    entry.startsWith('/') ||
    entry.split('/').includes('..') ||
    new TextEncoder().encode(entry).length > TAR_PATH_BYTES_MAX
  ) {
    throw new InvalidManifestError({ reason: '"entry" must be a relative path inside the archive' });
  }
  const limits = object(root.limits ?? {}, '"limits"', ['fuel', 'memory_pages', 'output_bytes']);
  return {
    name: text(root.name, 'name'),
    runtime: 'wasm',
    entry,
    limits: {
      fuel: whole(limits.fuel ?? MANIFEST_DEFAULTS.fuel, 'limits.fuel', 1, FUEL_PER_TASK_MAX),
      memory_pages: whole(
        limits.memory_pages ?? MANIFEST_DEFAULTS.memory_pages,
        'limits.memory_pages',
        1,
        MEMORY_PAGES_MAX,
      ),
      output_bytes: whole(
        limits.output_bytes ?? MANIFEST_DEFAULTS.output_bytes,
        'limits.output_bytes',
        0,
        OUTPUT_SIZE_BYTES_MAX,
      ),
    },
    verification: verification(root.verification ?? {}),
  };
}

function noirManifest(root: Record<string, unknown>): NoirManifest {
  if (root.entry !== undefined)
    throw new InvalidManifestError({
      reason: 'a Noir program has no "entry": Nargo.toml and src/main.nr are its entry',
    });
  const limits = object(root.limits ?? {}, '"limits"', ['output_bytes']);
  const policy = object(root.verification ?? {}, '"verification"', ['policy']).policy ?? 'proof';
  if (policy !== 'proof')
    throw new InvalidManifestError({
      reason: `a Noir program is verified by its proofs: "verification.policy" must be "proof" (got ${JSON.stringify(policy)})`,
    });
  return {
    name: text(root.name, 'name'),
    runtime: 'noir',
    limits: {
      fuel: 0,
      memory_pages: 0,
      output_bytes: whole(
        limits.output_bytes ?? MANIFEST_DEFAULTS.output_bytes,
        'limits.output_bytes',
        0,
        OUTPUT_SIZE_BYTES_MAX,
      ),
    },
    verification: { policy: 'proof' },
  };
}

function verification(value: unknown): VerificationPolicy {
  const fields = object(value, '"verification"', ['policy', 'replicas', 'replicas_max']);
  const policy = fields.policy ?? 'replicate';
  if (policy === 'none') return { policy: 'none' };
  if (policy !== 'replicate')
    throw new InvalidManifestError({
      reason: `"verification.policy" must be "replicate" or "none" (got ${JSON.stringify(policy)})`,
    });
  const replicas = whole(
    fields.replicas ?? MANIFEST_DEFAULTS.replicas,
    'verification.replicas',
    2,
    REPLICAS_MAX,
  );
  const replicasMax = whole(
    fields.replicas_max ?? Math.max(replicas, MANIFEST_DEFAULTS.replicas_max),
    'verification.replicas_max',
    replicas,
    REPLICAS_MAX,
  );
  return { policy: 'replicate', replicas, replicas_max: replicasMax };
}

function object(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidManifestError({ reason: `${what} must be a JSON object` });
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw new InvalidManifestError({
        reason: `${what} has an unknown key "${key}" (known: ${keys.join(', ')})`,
      });
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 255)
    throw new InvalidManifestError({
      reason: `"${key}" must be a non-empty string of at most 255 characters`,
    });
  return value;
}

function whole(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidManifestError({
      reason: `"${key}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`,
    });
  }
  return value;
}
