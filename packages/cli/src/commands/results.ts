import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Program } from '@proofgrid/client';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { organizationSession } from '../config/session.ts';
import { plural, printResult } from './output.ts';

/**
 * `proofgrid results download <program> --out <dir>`: `<dir>/<group>/output` and `verdict.json` for each
 * task with a result; for each failed or cancelled task only `verdict.json`, with its reason. Exit 1 when
 * any task failed or was cancelled.
 */
export async function resultsDownload(args: Arguments, io: CommandIo): Promise<number> {
  const out = args.required('out');
  const session = organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
  const program = await Program.find(session, args.one('a program id or name'));
  const saved: string[] = [];
  const failed: { name: string; state: string; reason: string | null }[] = [];
  let open = 0;
  for await (const result of program.results()) {
    const folder = join(out, result.name);
    if (result.state === 'open') {
      open += 1;
      continue;
    }
    await mkdir(folder, { recursive: true });
    if ('output' in result) {
      await writeFile(join(folder, 'output'), result.output);
      await writeFile(join(folder, 'verdict.json'), `${JSON.stringify(result.verdict, null, 2)}\n`);
      saved.push(result.name);
    } else {
      const verdict = {
        input_group_id: result.inputGroupId,
        name: result.name,
        state: result.state,
        failure_reason: result.reason,
      };
      await writeFile(join(folder, 'verdict.json'), `${JSON.stringify(verdict, null, 2)}\n`);
      failed.push({ name: result.name, state: result.state, reason: result.reason });
    }
  }
  printResult(io, args, { out, saved, failed, open }, () => [
    ...failed.map((task) => `${task.name}: ${task.state}${task.reason === null ? '' : ` — ${task.reason}`}`),
    `Saved ${plural(saved.length, 'result')} to ${out}${failed.length > 0 ? `; ${failed.length} failed or cancelled (their verdict.json says why)` : ''}${open > 0 ? `; ${open} not done yet` : ''}.`,
  ]);
  return failed.length > 0 ? 1 : 0;
}
