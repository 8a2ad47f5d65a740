import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROGRAM_SIZE_BYTES_MAX, TAR_ENTRIES_MAX, type TarFile, writeTar } from '@proofgrid/core';

/** Folders a program never needs: dependencies and version control. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/**
 * Packs a program folder as the tar the hub takes (without `node_modules` and `.git`), in a stable order.
 * Node only: the rest of the SDK runs in browsers too.
 *
 * @throws when the folder is larger than a program may be
 */
export async function packProgramFolder(root: string): Promise<Uint8Array> {
  const files: TarFile[] = [];
  let bytes = 0;
  const walk = async (dir: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await walk(path);
      else if (entry.isFile()) {
        const data = await readFile(path);
        bytes += data.length;
        if (bytes > PROGRAM_SIZE_BYTES_MAX || files.length >= TAR_ENTRIES_MAX)
          throw new Error(
            `${root} is larger than a program may be (${PROGRAM_SIZE_BYTES_MAX} bytes, ${TAR_ENTRIES_MAX} files).`,
          );
        files.push({ path: relative(root, path), data });
      }
    }
  };
  await walk(root);
  return writeTar(files);
}
