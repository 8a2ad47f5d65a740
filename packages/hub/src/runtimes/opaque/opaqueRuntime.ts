import { parseInputCsv } from '@proofgrid/core';
import type { HubRuntime, SubmissionCheck } from '../HubRuntime.ts';
import { resultHash } from '../resultHash.ts';

/**
 * Seed 004's programs: any archive without a manifest the hub knows. The hub cannot run or check them;
 * anonymous donors reserve their tasks, run them with their own executor, and upload a proof under the
 * lease; the organization confirms or rejects it.
 */
export const opaqueRuntime: HubRuntime = {
  name: 'opaque',
  steps: { direct: null, handoff: null, followUp: null },
  donorReservations: true,
  anonymousResults: false,

  claims: () => true,

  async validateUpload() {
    return {
      manifest: null,
      policy: { policy: 'owner' },
      limits: { fuel: 0, memoryPages: 0, outputBytes: 0 },
      artifact: null,
    };
  },

  async parseInputs(_program, file) {
    return parseInputCsv(file);
  },

  async check(_context, submission): Promise<SubmissionCheck> {
    if (submission.kind !== 'donor_file')
      return {
        kind: 'invalid',
        judgement: 'evidence_invalid',
        reason: 'WRONG_SUBMISSION',
        message: "a program its organization verifies takes the donor's proof file, nothing else",
        blame: 'submitter',
        errorCode: 'SUBMISSION_REJECTED',
      };
    const { bytes } = submission;
    return {
      kind: 'result',
      result: {
        resultHash: resultHash({
          output: bytes,
          fuelUsed: null,
          exitCode: null,
          log: null,
          failureCode: null,
          proofSha256: null,
        }),
        output: bytes,
        fuelUsed: null,
        exitCode: null,
        log: null,
        failure: null,
        // The file is the result and its own proof: stored once, as the output.
        evidence: null,
      },
    };
  },
};
