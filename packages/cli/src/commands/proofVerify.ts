import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBase64 } from '@proofgrid/core';
import { NoirProver } from '@proofgrid/runtime';
import { Session } from '../config/session.ts';
import type { CommandIo } from './io.ts';
import { resolveProgram } from './orgPrograms.ts';

type TaskProof = {
  name: string;
  proof: string;
  public_inputs: string[];
  output: unknown;
  verification_key: string;
};
type Group = { input_group_id: string; name: string };

/**
 * `proofgrid proof verify <program> [--all | --group <id>] [--out <dir>]`: downloads the proofs of a Noir
 * program's verified tasks with the program's verification key and verifies each one here, trusting
 * nothing the hub says about it. With `--out`, writes `<dir>/<group>/{output.json, proof, public_inputs.json}`,
 * each output next to its proof. A proof that verifies is confirmed; one that does not is rejected, and its
 * task is queued again. Exits 1 when any proof does not verify.
 */
export async function proofVerify(
  options: {
    hubUrl: string;
    program: string;
    group: string | undefined;
    out: string | undefined;
    crsPath: string;
  },
  io: CommandIo,
): Promise<number> {
  const session = new Session({ hubUrl: options.hubUrl, io });
  const program = await resolveProgram(session, options.program);
  const groups =
    options.group === undefined
      ? await allGroups(session, program.program_id)
      : [{ input_group_id: options.group, name: options.group }];
  const prover = new NoirProver({ crsPath: options.crsPath, threads: 1 });
  let good = 0;
  let bad = 0;
  let pending = 0;
  try {
    for (const group of groups) {
      let task: TaskProof;
      try {
        task = await session.json<TaskProof>(
          'GET',
          `/program/${program.program_id}/results/${group.input_group_id}/proof`,
        );
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'PROOF_NOT_FOUND')) throw error;
        pending += 1;
        if (options.group !== undefined)
          throw new Error(`Task ${group.input_group_id} has no verified proof yet.`);
        continue;
      }
      const proof = decodeBase64(task.proof) ?? new Uint8Array(0);
      const verified = await prover.verify(decodeBase64(task.verification_key) ?? new Uint8Array(0), {
        proof,
        publicInputs: task.public_inputs,
      });
      // Like seed 004's uploader: a proof that verifies here is confirmed (its result kept), one that does
      // not is rejected (its task goes back in the queue for another worker).
      await session.send(
        verified ? 'DELETE' : 'PATCH',
        `/program/proof/${program.program_id}/${group.input_group_id}`,
      );
      if (verified) good += 1;
      else bad += 1;
      io.out(`${verified ? 'verified' : 'DOES NOT VERIFY'}  ${task.name}  → ${JSON.stringify(task.output)}`);
      if (options.out !== undefined) {
        const folder = join(options.out, task.name);
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, 'proof'), proof);
        await writeFile(
          join(folder, 'public_inputs.json'),
          `${JSON.stringify(task.public_inputs, null, 2)}\n`,
        );
        await writeFile(join(folder, 'output.json'), `${JSON.stringify(task.output)}\n`);
      }
    }
  } finally {
    await prover.close();
  }
  io.out(
    `${good} proof(s) verified here and confirmed${bad > 0 ? `, ${bad} DID NOT VERIFY and were rejected (queued again)` : ''}${pending > 0 ? `; ${pending} task(s) have no proof yet` : ''}${options.out === undefined ? '' : `; saved to ${options.out}`}.`,
  );
  return bad > 0 ? 1 : 0;
}

async function allGroups(session: Session, programId: string): Promise<Group[]> {
  const groups: Group[] = [];
  for (let page = 1; page <= 10_000; page++) {
    const listed = await session.json<{ program_input_groups: Group[]; total_elements_amount: number }>(
      'GET',
      `/program/inputs/all/${programId}`,
      { query: { page, limit: 50 } },
    );
    groups.push(...listed.program_input_groups);
    if (page * 50 >= listed.total_elements_amount) break;
  }
  return groups;
}
