import { ProofGridError } from '@proofgrid/core';

/** The Noir project does not compile; the message is the compiler's. */
export class NoirCompileError extends ProofGridError {
  override name = 'NoirCompileError';
  constructor({ message }: { message: string }) {
    super('NOIR_COMPILE_FAILED', {
      shortMessage: `The Noir program does not compile: ${message}`,
      details: 'Fix the errors above (nargo check reports the same ones), then upload again.',
    });
  }
}

/** A program that cannot run as a ProofGrid Noir task: dependencies, private parameters, unsupported types. */
export class NoirProgramError extends ProofGridError {
  override name = 'NoirProgramError';
  constructor({ reason, fix }: { reason: string; fix: string }) {
    super('INVALID_NOIR_PROGRAM', {
      shortMessage: `The Noir program cannot run on ProofGrid: ${reason}.`,
      details: fix,
    });
  }
}

/** The circuit needs more CRS points than the CRS directory holds. */
export class CircuitTooLargeError extends ProofGridError {
  override name = 'CircuitTooLargeError';
  constructor({
    pointsNeeded,
    pointsAvailable,
    crsPath,
  }: { pointsNeeded: number; pointsAvailable: number; crsPath: string }) {
    super('CIRCUIT_TOO_LARGE', {
      shortMessage:
        pointsAvailable === 0
          ? `The circuit needs ${pointsNeeded} CRS points, and there is no CRS at ${crsPath} (no bn254_g1.dat).`
          : `The circuit needs ${pointsNeeded} CRS points; the CRS at ${crsPath} holds ${pointsAvailable}.`,
      details:
        pointsAvailable === 0
          ? 'Point --crs-path (or PROOFGRID_CRS_PATH) at a directory of Aztec Ignition points (bn254_g1.dat, bn254_g2.dat). Never generate a CRS yourself.'
          : 'Make the circuit smaller (less work per task), or place a larger subset of the Aztec Ignition points in the CRS directory. Never generate a CRS yourself.',
    });
  }
}

/** Input values that do not fit the program's parameters. */
export class NoirInputError extends ProofGridError {
  override name = 'NoirInputError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_NOIR_INPUT', {
      shortMessage: `The input does not fit the program's parameters: ${reason}.`,
      details:
        'Give one CSV row per parameter, in order (numbers as big-endian bytes, arrays and structs as JSON), or a Prover.toml / JSON file naming each parameter.',
    });
  }
}

/** The program failed on its input (an assertion, an overflow): there is nothing to prove. */
export class NoirExecutionError extends ProofGridError {
  override name = 'NoirExecutionError';
  constructor({ message }: { message: string }) {
    super('NOIR_EXECUTION_FAILED', {
      shortMessage: `The Noir program failed on this input: ${message}`,
      details:
        'Check the input against the assertions of main(); every honest worker reaches the same failure.',
    });
  }
}

/**
 * A proof that could not be checked: no CRS here, or the verifier (the `bb` process) failed. This says
 * nothing about the proof, so nothing may be rejected for it.
 */
export class NoirVerifierUnavailableError extends ProofGridError {
  override name = 'NoirVerifierUnavailableError';
  constructor({ reason, fix, cause }: { reason: string; fix: string; cause?: unknown }) {
    super('VERIFIER_UNAVAILABLE', {
      shortMessage: `The proof could not be checked: ${reason}.`,
      details: fix,
      cause,
    });
  }
}
