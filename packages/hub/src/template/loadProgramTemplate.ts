import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type TarFile, writeTar } from '@proofgrid/core';

const TEMPLATE_DIR = new URL('../../template/default/', import.meta.url).pathname;
/** The template is ours and small; a bound keeps a mistake from reading a whole disk. */
const TEMPLATE_FILES_MAX = 64;

/**
 * The starter program (AssemblyScript): the files of `hub/template/default`, paths relative to it, sorted.
 * `GET /program/template` serves them as a tar; `proofgrid program init` writes them to a folder.
 */
export async function programTemplateFiles(): Promise<TarFile[]> {
  const paths: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (entry.isFile()) paths.push(relative(TEMPLATE_DIR, join(dir, entry.name)));
      if (paths.length > TEMPLATE_FILES_MAX)
        throw new Error(`the program template holds more than ${TEMPLATE_FILES_MAX} files`);
    }
  };
  await walk(TEMPLATE_DIR);
  paths.sort();
  return Promise.all(paths.map(async (path) => ({ path, data: await readFile(join(TEMPLATE_DIR, path)) })));
}

/** The starter program as a tar, under a `template/` folder. */
export async function loadProgramTemplate(): Promise<Uint8Array> {
  const files = await programTemplateFiles();
  return writeTar(files.map((file) => ({ path: `template/${file.path}`, data: file.data })));
}
