import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isHubError, Program, routes } from '@proofgrid/client';
import { decodeBase64, isProofGridError } from '@proofgrid/core';
import { NoirProver } from '@proofgrid/runtime';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { plural, printResult } from './output.ts';
import { resolveGroup } from './resolve.ts';

type Outcome = {
  name: string;
  input_group_id: string;
  outcome: 'verified' | 'invalid' | 'unchecked' | 'missing' | 'no_proof';
  detail: string;
};

/**
 * `proofgrid proof verify <program> (--all | --group <id>) [--out <dir>]`: downloads the proofs of a Noir
 * program's verified tasks with the program's verification key and verifies each one here, trusting
 * nothing the hub says. A proof that verifies is confirmed; one that does not is rejected (its task is
 * queued again). One that cannot be checked here — no CRS, a verifier failure — is neither: it is
 * reported and counts for nothing. Exit 1 unless every proof verified.
 */
export async function proofVerify(args: Arguments, io: CommandIo): Promise<number> {
  const group = args.string('group');
  if (args.flag('all') === (group !== undefined))
    throw args.usage('give either --all or --group <input group>.');
  const out = args.string('out');
  const crsPath = resolveCrsPath(args.string('crs-path'), io.env);
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  const groups: { id: string; name: string; state: string | undefined }[] = [];
  if (group !== undefined) groups.push({ ...(await resolveGroup(program, group)), state: undefined });
  else
    for await (const task of program.tasks())
      groups.push({ id: task.input_group_id, name: task.name, state: task.state });
  const prover = new NoirProver({ crsPath, threads: 1 });
  const outcomes: Outcome[] = [];
  try {
    for (const { id, name, state } of groups) {
      const outcome = await verifyOne({
        program,
        id,
        name,
        prover,
        out,
        verified: state === 'verified' || state === 'confirmed',
      });
      outcomes.push(outcome);
      if (!args.flag('json')) io.out(`${LABELS[outcome.outcome]}  ${name}  ${outcome.detail}`);
    }
  } finally {
    await prover.close();
  }
  const count = (kind: Outcome['outcome']) => outcomes.filter((outcome) => outcome.outcome === kind).length;
  printResult(io, args, { outcomes }, () => [
    `${plural(count('verified'), 'proof')} verified here and confirmed` +
      (count('invalid') > 0 ? `, ${count('invalid')} DID NOT VERIFY and were rejected (queued again)` : '') +
      (count('unchecked') > 0
        ? `, ${count('unchecked')} could not be checked here (nothing was confirmed or rejected for them)`
        : '') +
      (count('missing') > 0 ? `, ${count('missing')} are verified WITHOUT a proof` : '') +
      (count('no_proof') > 0 ? `; ${count('no_proof')} task(s) have no proof yet` : '') +
      (out === undefined ? '' : `; saved to ${out}`) +
      '.',
  ]);
  if (group !== undefined && count('no_proof') > 0) return 1;
  return count('invalid') + count('unchecked') + count('missing') > 0 ? 1 : 0;
}

const LABELS: Record<Outcome['outcome'], string> = {
  verified: 'verified',
  invalid: 'DOES NOT VERIFY',
  unchecked: 'COULD NOT CHECK',
  missing: 'VERIFIED WITHOUT A PROOF',
  no_proof: 'no proof yet',
};

async function verifyOne({
  program,
  id,
  name,
  prover,
  out,
  verified,
}: {
  program: Program;
  id: string;
  name: string;
  prover: NoirProver;
  out: string | undefined;
  /** The listing says the task is verified: then a missing proof is a failure, not a wait. */
  verified: boolean;
}): Promise<Outcome> {
  const params = { program_id: program.id, input_group_id: id };
  let task: Awaited<ReturnType<typeof program.session.call<typeof routes.taskProof>>>;
  try {
    task = await program.session.call(routes.taskProof, { params });
  } catch (error) {
    if (!isHubError(error, 'PROOF_NOT_FOUND')) throw error;
    return { name, input_group_id: id, outcome: verified ? 'missing' : 'no_proof', detail: error.detail };
  }
  const proof = decodeBase64(task.proof) ?? new Uint8Array(0);
  let valid: boolean;
  try {
    valid = await prover.verify(decodeBase64(task.verification_key) ?? new Uint8Array(0), {
      proof,
      publicInputs: task.public_inputs,
    });
  } catch (error) {
    // No CRS here, or bb failed: that says nothing about the proof. Nothing is confirmed or rejected.
    if (!isProofGridError(error, 'VERIFIER_UNAVAILABLE')) throw error;
    return { name, input_group_id: id, outcome: 'unchecked', detail: `${error.message}` };
  }
  // Like seed 004's uploader: a proof that verifies here is confirmed (its result kept), one that does
  // not is rejected (its task goes back in the queue for another worker).
  await program.session.call(valid ? routes.confirmProof : routes.rejectProof, { params });
  if (out !== undefined) {
    const folder = join(out, task.name);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'proof'), proof);
    await writeFile(join(folder, 'public_inputs.json'), `${JSON.stringify(task.public_inputs, null, 2)}\n`);
    await writeFile(join(folder, 'output.json'), `${JSON.stringify(task.output)}\n`);
  }
  return {
    name,
    input_group_id: id,
    outcome: valid ? 'verified' : 'invalid',
    detail: `→ ${JSON.stringify(task.output)}`,
  };
}
