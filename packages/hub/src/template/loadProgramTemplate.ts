import { readdir, readFile } from 'node:fs/promises';
import { writeTar } from '@proofgrid/core';

const TEMPLATE_DIR = new URL('../../template/default/', import.meta.url);

/** The starter served by `GET /program/template`: the files of `hub/template/default`, as a tar. */
export async function loadProgramTemplate(): Promise<Uint8Array> {
  const names = (await readdir(TEMPLATE_DIR)).sort();
  const files = await Promise.all(
    names.map(async (name) => ({
      path: `template/${name}`,
      data: await readFile(new URL(name, TEMPLATE_DIR)),
    })),
  );
  return writeTar(files);
}
