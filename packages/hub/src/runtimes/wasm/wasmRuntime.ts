import { decodeBase64, InvalidManifestError, type Manifest, parseInputCsv } from '@proofgrid/core';
import { instrumentModule } from '@proofgrid/runtime';
import type { CheckContext, HubRuntime, ProgramArchive, Submission, SubmissionCheck } from '../HubRuntime.ts';
import { resultHash } from '../resultHash.ts';

/** The failures a WebAssembly run reaches the same way on every machine; nothing else is a result. */
const DETERMINISTIC_FAILURES = new Set([
  'FUEL_EXHAUSTED',
  'MEMORY_EXHAUSTED',
  'STACK_EXHAUSTED',
  'OUTPUT_TOO_LARGE',
  'WASM_TRAP',
]);

/**
 * WebAssembly programs (`proofgrid.json` with `"runtime": "wasm"`): workers run them in the deterministic
 * sandbox, and replicas vote on the result hash. A run that fails deterministically is a result too, so
 * that replicas must agree on the failure before the task fails with it.
 */
export const wasmRuntime: HubRuntime = {
  name: 'wasm',
  steps: { direct: 'run', handoff: null, followUp: null },
  donorReservations: false,
  anonymousResults: false,

  claims: ({ manifest }) => manifest?.runtime === 'wasm',

  async validateUpload({ files, manifest }: ProgramArchive) {
    if (manifest?.runtime !== 'wasm') throw new InvalidManifestError({ reason: '"runtime" must be "wasm"' });
    const module = files.find((entry) => entry.path === manifest.entry);
    if (module === undefined)
      throw new InvalidManifestError({
        reason: `its entry "${manifest.entry}" is not a file in the archive`,
      });
    // The sandbox's own checks, now rather than on every donor: imports, instructions, memory.
    instrumentModule(module.data, { memoryPagesMax: manifest.limits.memory_pages });
    return {
      manifest,
      policy: manifest.verification,
      limits: limitsOf(manifest),
      artifact: null,
    };
  },

  async parseInputs(_program, file) {
    return parseInputCsv(file);
  },

  async check(context: CheckContext, submission: Submission): Promise<SubmissionCheck> {
    if (submission.kind !== 'output' || context.step !== 'run')
      return invalid('WRONG_SUBMISSION', 'a WebAssembly task takes the output of its run, nothing else');
    const output = decodeBase64(submission.output);
    if (output === undefined) return invalid('RESULT_MALFORMED', 'its output is not standard base64');
    const { limits } = context.program;
    if (output.length > limits.outputBytes)
      return invalid(
        'RESULT_MALFORMED',
        `its output of ${output.length} bytes is over the program's limit of ${limits.outputBytes}`,
      );
    if (submission.fuelUsed > limits.fuel)
      return invalid(
        'RESULT_MALFORMED',
        `it claims ${submission.fuelUsed} fuel, over the program's ${limits.fuel}`,
      );
    const { failure } = submission;
    if (failure !== null && !DETERMINISTIC_FAILURES.has(failure.code))
      return invalid(
        'RESULT_MALFORMED',
        `"${failure.code}" is not a failure every machine reaches; only ${[...DETERMINISTIC_FAILURES].join(', ')} are`,
      );
    if (failure !== null && submission.exitCode !== 0)
      return invalid('RESULT_MALFORMED', 'a failed run has no exit code');
    return {
      kind: 'result',
      result: {
        resultHash: resultHash({
          output,
          fuelUsed: submission.fuelUsed,
          exitCode: submission.exitCode,
          log: submission.log,
          failureCode: failure?.code ?? null,
          proofSha256: null,
        }),
        output,
        fuelUsed: submission.fuelUsed,
        exitCode: submission.exitCode,
        log: submission.log,
        failure,
        evidence: null,
      },
    };
  },
};

function limitsOf(manifest: Manifest) {
  return {
    fuel: manifest.limits.fuel,
    memoryPages: manifest.limits.memory_pages,
    outputBytes: manifest.limits.output_bytes,
  };
}

function invalid(reason: 'WRONG_SUBMISSION' | 'RESULT_MALFORMED', message: string): SubmissionCheck {
  return {
    kind: 'invalid',
    judgement: 'evidence_invalid',
    reason,
    message,
    blame: 'submitter',
    errorCode: 'SUBMISSION_REJECTED',
  };
}
