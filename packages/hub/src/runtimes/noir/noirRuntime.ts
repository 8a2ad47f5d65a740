import {
  assert,
  decodeBase64,
  encodeBase64,
  isProofGridError,
  type Manifest,
  parseInputCsv,
  parseManifest,
  WITNESS_SIZE_BYTES_MAX,
} from '@proofgrid/core';
import {
  type Abi,
  decodeReturn,
  fieldCount,
  type IsolatedNoir,
  inflateWitness,
  isFieldHex,
  NARGO_TOML,
  NOIR_PROOF_SIZE_BYTES,
  type NoirCircuit,
  type NoirProver,
  publicInputsOf,
  rowsFromValues,
  toJson,
  valuesFromMapping,
  valuesFromRows,
} from '@proofgrid/runtime';
import { parse as parseToml } from 'smol-toml';
import { VerifierUnavailableError } from '../../errors.ts';
import type {
  CheckContext,
  CheckedResult,
  HubRuntime,
  ProgramArchive,
  ProgramFact,
  Submission,
  SubmissionCheck,
} from '../HubRuntime.ts';
import { resultHash, sha256Hex } from '../resultHash.ts';

/** What the hub keeps of a Noir program: its circuit and verification key, computed once on upload. */
type NoirArtifact = { circuit: NoirCircuit; verification_key: string };
type Compiled = { circuit: NoirCircuit; key: Uint8Array; parameterFields: number; returnFields: number };

/**
 * Noir programs: a worker executes `main` on the task's input and proves it (or one worker executes and
 * hands the witness to another that proves it). A result is accepted only with a proof that verifies
 * against the program's key with exactly the task's inputs, so it needs no replicas and no lease.
 *
 * Compiling and executing run in child processes (`IsolatedNoir`); verifying runs in `bb`.
 */
export function createNoirRuntime({
  isolated,
  verifier,
}: {
  isolated: IsolatedNoir;
  verifier: NoirProver;
}): HubRuntime {
  const compiled = new WeakMap<object, Compiled>();
  const compiledOf = (program: ProgramFact): Compiled => {
    const artifact = program.artifact as NoirArtifact;
    let entry = compiled.get(artifact);
    if (entry === undefined) {
      const key = decodeBase64(artifact.verification_key);
      assert(key !== undefined, 'the hub stored the key in base64');
      const { abi } = artifact.circuit;
      entry = {
        circuit: artifact.circuit,
        key,
        parameterFields: abi.parameters.reduce((sum, parameter) => sum + fieldCount(parameter.type), 0),
        returnFields: abi.return_type === null ? 0 : fieldCount(abi.return_type.abi_type),
      };
      compiled.set(artifact, entry);
    }
    return entry;
  };

  /** Runs the program on the task's input here; the failure's message, or null when it runs to its end. */
  const failureOnHub = async (
    context: CheckContext,
    circuit: NoirCircuit,
  ): Promise<{ witness: Uint8Array } | { message: string }> => {
    const values = valuesFromRows(circuit.abi, await context.inputValues());
    try {
      return { witness: await isolated.execute(circuit, values) };
    } catch (error) {
      if (isProofGridError(error, 'NOIR_EXECUTION_FAILED')) return { message: error.shortMessage };
      throw new VerifierUnavailableError({
        reason: `the hub could not run the program to check the report (${error instanceof Error ? error.message : String(error)})`,
        fix: 'Send the report again later.',
      });
    }
  };

  const checkProof = async (
    context: CheckContext,
    { proof: proofText, publicInputs }: { proof: string; publicInputs: string[] },
  ): Promise<SubmissionCheck> => {
    const program = compiledOf(context.program);
    const proof = decodeBase64(proofText);
    if (proof === undefined || proof.length !== NOIR_PROOF_SIZE_BYTES)
      return invalid(
        'PROOF_MALFORMED',
        `a proof of this system is ${NOIR_PROOF_SIZE_BYTES} bytes in standard base64; this one is ${proof === undefined ? 'not base64' : `${proof.length} bytes`}`,
      );
    if (
      publicInputs.length !== program.parameterFields + program.returnFields ||
      !publicInputs.every(isFieldHex)
    )
      return invalid(
        'PROOF_MALFORMED',
        `its public inputs must be ${program.parameterFields + program.returnFields} field elements (0x and 64 hex digits, below the BN254 modulus: the parameters, then the return value)`,
      );
    const expected = publicInputsOf(
      program.circuit.abi,
      valuesFromRows(program.circuit.abi, await context.inputValues()),
    );
    const mismatch = expected.findIndex((field, i) => publicInputs[i]?.toLowerCase() !== field);
    if (mismatch !== -1)
      return invalid(
        'PROOF_OTHER_INPUTS',
        `it proves other inputs than the task's: public input ${mismatch} is ${publicInputs[mismatch]}, the task's is ${expected[mismatch]}`,
      );
    const sha256 = sha256Hex(proof);
    const replayOf = await context.acceptedBefore(sha256);
    if (replayOf !== null)
      return invalid(
        'PROOF_REPLAYED',
        `it is a replay: this exact proof was already accepted (for task ${replayOf}), and a proof counts once`,
      );
    // Throws VERIFIER_UNAVAILABLE when bb fails: that is no verdict on the proof.
    if (!(await verifier.verify(program.key, { proof, publicInputs })))
      return invalid(
        'PROOF_DOES_NOT_VERIFY',
        "it does not verify against the program's verification key: it was altered, or made for another program",
      );
    const returned = decodeReturn(program.circuit.abi, publicInputs.slice(program.parameterFields));
    const output = new TextEncoder().encode(JSON.stringify(returned === null ? null : toJson(returned)));
    const result: CheckedResult = {
      resultHash: resultHash({
        output,
        fuelUsed: null,
        exitCode: null,
        log: null,
        failureCode: null,
        proofSha256: sha256,
      }),
      output,
      fuelUsed: null,
      exitCode: null,
      log: null,
      failure: null,
      evidence: { bytes: proof, sha256, publicInputs },
    };
    return { kind: 'result', result };
  };

  const checkFailureReport = async (context: CheckContext): Promise<SubmissionCheck> => {
    const ran = await failureOnHub(context, compiledOf(context.program).circuit);
    if ('witness' in ran)
      return {
        ...invalid(
          'FAILURE_NOT_REPRODUCED',
          'it reported that the program fails on this input, but the program runs to its end',
        ),
        judgement: 'false_report',
      };
    const output = new Uint8Array(0);
    return {
      kind: 'result',
      result: {
        resultHash: resultHash({
          output,
          fuelUsed: null,
          exitCode: null,
          log: null,
          failureCode: 'NOIR_EXECUTION_FAILED',
          proofSha256: null,
        }),
        output,
        fuelUsed: null,
        exitCode: null,
        log: null,
        failure: { code: 'NOIR_EXECUTION_FAILED', message: `${ran.message} (confirmed by the hub)` },
        evidence: null,
      },
    };
  };

  const checkBadHandoffReport = async (context: CheckContext): Promise<SubmissionCheck> => {
    const ran = await failureOnHub(context, compiledOf(context.program).circuit);
    const handed = await context.handoff();
    let given: Uint8Array | null = null;
    try {
      given = handed === null ? null : inflateWitness(handed);
    } catch {
      given = null;
    }
    const right =
      'witness' in ran && given !== null && Buffer.compare(inflateWitness(ran.witness), given) === 0;
    if (right)
      return {
        ...invalid('HANDOFF_WAS_RIGHT', 'it reported a right witness as wrong'),
        judgement: 'false_report',
      };
    return {
      ...invalid('WITNESS_WRONG', "its witness does not satisfy the program on the task's input"),
      blame: 'handoff',
    };
  };

  return {
    name: 'noir',
    steps: { direct: 'run', handoff: 'execute', followUp: 'prove' },
    donorReservations: false,
    anonymousResults: true,

    claims: ({ files, manifest }) =>
      manifest === null ? files.some((entry) => entry.path === NARGO_TOML) : manifest.runtime === 'noir',

    async validateUpload({ files, manifest }: ProgramArchive) {
      const noirManifest = manifest ?? noirDefaults();
      const { circuit, verificationKey } = await isolated.compile(
        files.filter((entry) => entry.type === 'file').map(({ path, data }) => ({ path, data })),
      );
      const artifact: NoirArtifact = { circuit, verification_key: encodeBase64(verificationKey) };
      return {
        manifest: noirManifest,
        policy: { policy: 'proof' },
        limits: { fuel: 0, memoryPages: 0, outputBytes: noirManifest.limits.output_bytes },
        artifact,
      };
    },

    async parseInputs(program, file) {
      const { abi } = compiledOf(program).circuit;
      return taskRows(abi, file);
    },

    async check(context: CheckContext, submission: Submission): Promise<SubmissionCheck> {
      const { step } = context;
      switch (submission.kind) {
        case 'proof':
          if (step === 'execute')
            return wrong('an execute step hands off its witness; another worker proves it');
          return checkProof(context, submission);
        case 'donor_file': {
          const parsed = parseProofFile(submission.bytes);
          if (parsed === undefined)
            return invalid(
              'PROOF_MALFORMED',
              'the file is not JSON {"proof": base64, "public_inputs": ["0x…", …]}',
            );
          return checkProof(context, parsed);
        }
        case 'handoff': {
          if (step !== 'execute') return wrong('only an execute step hands off a witness');
          const artifact = decodeBase64(submission.artifact);
          if (artifact === undefined || artifact.length === 0 || artifact.length > WITNESS_SIZE_BYTES_MAX)
            return invalid(
              'RESULT_MALFORMED',
              `the witness is not standard base64 of at most ${WITNESS_SIZE_BYTES_MAX} bytes`,
            );
          return { kind: 'handoff', artifact };
        }
        case 'execution_failure':
          if (step === 'prove')
            return wrong('a prove step reports a bad witness, not a failure of the program');
          return checkFailureReport(context);
        case 'bad_handoff':
          if (step !== 'prove') return wrong('only a prove step has a handed-off witness to report');
          return checkBadHandoffReport(context);
        case 'output':
          return invalid(
            'PROOF_MISSING',
            'a Noir task is accepted only with a proof that verifies, and this submission has none',
          );
      }
    },

    async exportEvidence(program, evidence) {
      return {
        proof: evidence.proof,
        publicInputs: evidence.publicInputs,
        output: JSON.parse(new TextDecoder().decode(evidence.output)),
        verificationKey: compiledOf(program).key,
      };
    },

    async close() {
      isolated.close();
      await verifier.close();
    },
  };
}

function invalid(reason: Extract<SubmissionCheck, { kind: 'invalid' }>['reason'], message: string) {
  return {
    kind: 'invalid' as const,
    judgement: 'evidence_invalid' as const,
    reason,
    message,
    blame: 'submitter' as 'submitter' | 'handoff',
    errorCode: 'PROOF_REJECTED' as const,
  };
}

function wrong(message: string): SubmissionCheck {
  return invalid('WRONG_SUBMISSION', message);
}

/** A bare Noir project (no proofgrid.json) gets the only policy Noir has: proofs. */
function noirDefaults(): Manifest {
  return parseManifest(new TextEncoder().encode(JSON.stringify({ name: 'noir', runtime: 'noir' })));
}

/**
 * The values of one task. They must fit main()'s parameters, checked now rather than on a donor; besides
 * the CSV (one row per parameter) a Noir program takes a `Prover.toml` or JSON mapping of parameter names,
 * stored as the same rows.
 */
function taskRows(abi: Abi, file: Uint8Array): Uint8Array[] {
  let rows: Uint8Array[];
  try {
    rows = parseInputCsv(file);
  } catch (csvError) {
    const mapping = parseMapping(file);
    if (mapping === undefined) throw csvError;
    return rowsFromValues(abi, valuesFromMapping(abi, mapping));
  }
  valuesFromRows(abi, rows);
  return rows;
}

/** A Prover.toml or JSON object naming each parameter; undefined when the bytes are neither. */
function parseMapping(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  for (const parse of [JSON.parse, parseToml] as const) {
    try {
      const parsed: unknown = parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // Not this format; try the next.
    }
  }
  return undefined;
}

/** Seed 004's proof file for a Noir program: the JSON the results route serves. */
function parseProofFile(bytes: Uint8Array): { proof: string; publicInputs: string[] } | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as {
      proof?: unknown;
      public_inputs?: unknown;
    };
    if (typeof parsed.proof !== 'string' || !Array.isArray(parsed.public_inputs)) return undefined;
    if (!parsed.public_inputs.every((field) => typeof field === 'string')) return undefined;
    return { proof: parsed.proof, publicInputs: parsed.public_inputs as string[] };
  } catch {
    return undefined;
  }
}
