import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_PATH, parseManifest } from '@proofgrid/core';
import { programTemplateFiles } from '@proofgrid/hub';
import { instrumentModule } from '@proofgrid/runtime';
import type { CommandIo } from './io.ts';

/** `proofgrid program init <dir>`: writes the AssemblyScript starter (the same as GET /program/template). */
export async function programInit({ dir }: { dir: string }, io: CommandIo): Promise<number> {
  const target = resolve(dir);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new Error(`${target} is not empty. Choose a new folder for the program.`);
  for (const file of await programTemplateFiles()) {
    await mkdir(dirname(join(target, file.path)), { recursive: true });
    await writeFile(join(target, file.path), file.data);
  }
  io.out(`Wrote a ProofGrid program (AssemblyScript) to ${target}.`);
  io.out(`Next: edit assembly/index.ts, then: proofgrid program build ${dir}`);
  return 0;
}

/**
 * `proofgrid program build <dir>`: compiles `assembly/index.ts` with the AssemblyScript compiler that
 * ships with ProofGrid (its `asconfig.json` target `release`), then runs the hub's own checks on the module
 * so a program that would be refused at upload is refused here first.
 */
export async function programBuild({ dir }: { dir: string }, io: CommandIo): Promise<number> {
  const root = resolve(dir);
  const manifest = parseManifest(
    await readFile(join(root, MANIFEST_PATH)).catch(() => {
      throw new Error(`${root} has no ${MANIFEST_PATH}. Create a program with: proofgrid program init <dir>`);
    }),
  );
  const asc = fileURLToPath(import.meta.resolve('assemblyscript/bin/asc.js'));
  const compiled = spawnSync(
    process.execPath,
    [asc, 'assembly/index.ts', '--target', 'release', '--outFile', manifest.entry],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (compiled.status !== 0) {
    io.err(compiled.stderr.trim());
    throw new Error(
      `The AssemblyScript compiler failed on ${join(root, 'assembly/index.ts')}; fix the errors above.`,
    );
  }
  const module = await readFile(join(root, manifest.entry));
  instrumentModule(module, { memoryPagesMax: manifest.limits.memory_pages });
  io.out(`Built ${join(root, manifest.entry)} (${module.length} bytes); it passes the hub's checks.`);
  return 0;
}
