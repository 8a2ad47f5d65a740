import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { compile_program } from '@noir-lang/noir_wasm';
import { parse as parseToml } from 'smol-toml';
import { NoirCompileError, NoirProgramError } from './errors.ts';
import { type Abi, checkAbi } from './noirAbi.ts';

/** A compiled Noir program: what executing, proving and binding inputs need. */
export type NoirCircuit = { bytecode: string; abi: Abi; noir_version: string };

export const NARGO_TOML = 'Nargo.toml';
/** Compiler output kept in an error message: enough for every diagnostic of a real program. */
const COMPILER_MESSAGE_CHARS_MAX = 8192;

/**
 * Compiles a Noir project given as files (`Nargo.toml`, `src/main.nr`, …) with noir_wasm. Refuses what
 * ProofGrid cannot run: dependencies (the compiler would fetch them from the network), a library instead of
 * a binary, parameters that are not public.
 *
 * @throws NOIR_COMPILE_FAILED with the compiler's message, INVALID_NOIR_PROGRAM
 */
export async function compileNoir(
  files: readonly { path: string; data: Uint8Array }[],
): Promise<NoirCircuit> {
  const nargo = files.find((file) => file.path === NARGO_TOML);
  if (nargo === undefined)
    throw new NoirProgramError({
      reason: `it has no ${NARGO_TOML} at its root`,
      fix: 'Upload the folder `nargo new` creates.',
    });
  checkNargoToml(nargo.data);
  const dir = await mkdtemp(join(tmpdir(), 'proofgrid-noir-'));
  try {
    for (const file of files) {
      if (file.path !== NARGO_TOML && !file.path.endsWith('.nr')) continue;
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.data);
    }
    // Loaded on first use, as every engine is: importing it costs every command that never compiles.
    const { compile_program, createFileManager } = await import('@noir-lang/noir_wasm');
    let compiled: Awaited<ReturnType<typeof compile_program>>;
    // noir_wasm prints the entry point it compiles with console.log, past the log functions it takes; a
    // hub's output (and a CLI's) has no use for temporary paths.
    const log = console.log;
    console.log = () => undefined;
    try {
      compiled = await compile_program(createFileManager(dir), undefined, silent, silent);
    } catch (error) {
      throw new NoirCompileError({ message: compilerMessage(error, dir) });
    } finally {
      console.log = log;
    }
    const program = compiled.program as unknown as { bytecode: string; abi: Abi; noir_version: string };
    checkAbi(program.abi);
    return { bytecode: program.bytecode, abi: program.abi, noir_version: program.noir_version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const silent = () => undefined;

function checkNargoToml(data: Uint8Array): void {
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    throw new NoirProgramError({
      reason: `${NARGO_TOML} is not valid TOML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      fix: 'Fix the file; `nargo new` writes a valid one.',
    });
  }
  const dependencies = Object.keys((toml.dependencies as Record<string, unknown> | undefined) ?? {});
  if (dependencies.length > 0)
    throw new NoirProgramError({
      reason: `${NARGO_TOML} declares dependencies (${dependencies.join(', ')}), which the compiler would fetch from the network`,
      fix: 'Copy the code you need into src/ as modules, and remove [dependencies].',
    });
  const type = (toml.package as Record<string, unknown> | undefined)?.type ?? 'bin';
  if (type !== 'bin')
    throw new NoirProgramError({
      reason: `the package type is "${String(type)}"`,
      fix: 'A ProofGrid program is a binary: `type = "bin"` with a main().',
    });
}

/** The compiler's diagnostics, with the temporary folder removed from paths. */
function compilerMessage(error: unknown, dir: string): string {
  const diagnostics = (error as { diagnostics?: { diagnostics?: { message: string }[] }[] }).diagnostics;
  const text =
    diagnostics
      ?.flatMap((file) => file.diagnostics ?? [])
      .map((diagnostic) => diagnostic.message)
      .join('\n') || (error instanceof Error ? error.message : String(error));
  return text.split(dir).join('.').slice(0, COMPILER_MESSAGE_CHARS_MAX);
}
