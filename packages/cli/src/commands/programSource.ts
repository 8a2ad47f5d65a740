import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packProgramFolder } from '@proofgrid/client/node';
import { MANIFEST_PATH, parseManifest, readTar } from '@proofgrid/core';
import { programTemplateFiles, type TemplateRuntime } from '@proofgrid/hub';
import { compileNoir, instrumentModule, NARGO_TOML, NoirProver } from '@proofgrid/runtime';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveCrsPath } from '../config/resolveCrsPath.ts';

/**
 * `proofgrid program init <dir> [--runtime noir]`: writes a starter, the same as
 * GET /program/template[?runtime=noir]: AssemblyScript for `wasm`, a Noir project for `noir`.
 */
export async function programInit(args: Arguments, io: CommandIo): Promise<number> {
  const dir = args.one('a folder');
  const runtime = args.string('runtime') ?? 'wasm';
  if (runtime !== 'wasm' && runtime !== 'noir')
    throw args.usage(`--runtime is wasm or noir (got "${runtime}").`);
  await writeStarter({ dir, runtime }, io);
  return 0;
}

async function writeStarter(
  { dir, runtime }: { dir: string; runtime: TemplateRuntime },
  io: CommandIo,
): Promise<void> {
  const target = resolve(dir);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new Error(`${target} is not empty. Choose a new folder for the program.`);
  for (const file of await programTemplateFiles(runtime)) {
    await mkdir(dirname(join(target, file.path)), { recursive: true });
    await writeFile(join(target, file.path), file.data);
  }
  const [language, source] =
    runtime === 'noir' ? ['Noir', 'src/main.nr'] : ['AssemblyScript', 'assembly/index.ts'];
  io.out(`Wrote a ProofGrid program (${language}) to ${target}.`);
  io.out(`Next: edit ${source}, then: proofgrid program build ${dir}`);
}

/**
 * `proofgrid program build <dir>`: compiles `assembly/index.ts` with the AssemblyScript compiler that
 * ships with ProofGrid (its `asconfig.json` target `release`), then runs the hub's own checks on the module
 * so a program that would be refused at upload is refused here first.
 */
export async function programBuild(args: Arguments, io: CommandIo): Promise<number> {
  return buildProgram(
    { dir: args.one('a folder'), crsPath: resolveCrsPath(args.string('crs-path'), io.env) },
    io,
  );
}

/** Builds a program folder and checks it as the hub will (also what `proofgrid demo` does first). */
export async function buildProgram(
  { dir, crsPath }: { dir: string; crsPath: string },
  io: CommandIo,
): Promise<number> {
  const root = resolve(dir);
  const manifestBytes = await readFile(join(root, MANIFEST_PATH)).catch(() => undefined);
  const isNoir = await readFile(join(root, NARGO_TOML)).then(
    () => true,
    () => false,
  );
  if (manifestBytes === undefined && !isNoir)
    throw new Error(`${root} has no ${MANIFEST_PATH}. Create a program with: proofgrid program init <dir>`);
  const manifest = manifestBytes === undefined ? undefined : parseManifest(manifestBytes);
  if (manifest === undefined || manifest.runtime === 'noir') return buildNoir(root, crsPath, io);
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

/** Compiles a Noir project as the hub will (no dependencies, public parameters) and checks it fits the CRS. */
async function buildNoir(root: string, crsPath: string, io: CommandIo): Promise<number> {
  const files = readTar(await packProgramFolder(root)).filter((entry) => entry.type === 'file');
  const circuit = await compileNoir(files);
  const prover = new NoirProver({ crsPath, threads: 1 });
  try {
    const { gates, pointsNeeded } = await prover.checkSize(circuit.bytecode);
    io.out(
      `Compiled ${root} (Noir ${circuit.noir_version}): ${gates} gates, ${pointsNeeded} CRS points (the CRS at ${crsPath} has enough); it passes the hub's checks.`,
    );
  } finally {
    await prover.close();
  }
  return 0;
}
