import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type TarFile, writeTar } from '@proofgrid/core';

/** The runtimes a starter exists for, and the folder of `hub/template/` that holds it. */
export const TEMPLATE_RUNTIMES = { wasm: 'default', noir: 'noir' } as const;
export type TemplateRuntime = keyof typeof TEMPLATE_RUNTIMES;
/** The template is ours and small; a bound keeps a mistake from reading a whole disk. */
const TEMPLATE_FILES_MAX = 64;

/**
 * A starter program: for `wasm` AssemblyScript and its WASI glue, for `noir` a Noir project. The files
 * of its `hub/template/` folder, paths relative to it, sorted. `GET /program/template[?runtime=noir]`
 * serves them as a tar; `proofgrid program init [--runtime noir]` writes them to a folder.
 */
export async function programTemplateFiles(runtime: TemplateRuntime = 'wasm'): Promise<TarFile[]> {
  const root = new URL(`../../template/${TEMPLATE_RUNTIMES[runtime]}/`, import.meta.url).pathname;
  const paths: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (entry.isFile()) paths.push(relative(root, join(dir, entry.name)));
      if (paths.length > TEMPLATE_FILES_MAX)
        throw new Error(`the program template holds more than ${TEMPLATE_FILES_MAX} files`);
    }
  };
  await walk(root);
  paths.sort();
  return Promise.all(paths.map(async (path) => ({ path, data: await readFile(join(root, path)) })));
}

/** Every starter as a tar, under a `template/` folder, by runtime. */
export async function loadProgramTemplates(): Promise<Record<TemplateRuntime, Uint8Array>> {
  const tar = async (runtime: TemplateRuntime) =>
    writeTar(
      (await programTemplateFiles(runtime)).map((file) => ({
        path: `template/${file.path}`,
        data: file.data,
      })),
    );
  return { wasm: await tar('wasm'), noir: await tar('noir') };
}
