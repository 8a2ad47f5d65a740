import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '@proofgrid/core';
import { isRunning } from '../dataDir/isRunning.ts';
import { BlobMissingError, type BlobStore } from './BlobStore.ts';

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Blobs as files under one directory: `sha256/ab/abcdef…`. A blob is written to `tmp/<pid>/`, flushed to
 * disk and renamed into place, so a crash never leaves a half-written blob under its hash. Several hub
 * processes may share the directory (with a PostgreSQL database): renames are atomic and each process has
 * its own temporary folder.
 */
export class LocalBlobStore implements BlobStore {
  readonly #root: string;
  readonly #tmp: string;
  /** `sha256/xx` folders known to exist, so a put costs no mkdir (256 at most). */
  readonly #prefixesMade = new Set<string>();

  private constructor(root: string, tmp: string) {
    this.#root = root;
    this.#tmp = tmp;
  }

  /** Opens (creating if needed) the store and removes the temporary files of processes that died. */
  static async open(root: string): Promise<LocalBlobStore> {
    await mkdir(join(root, 'sha256'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    for (const owner of await readdir(join(root, 'tmp'))) {
      const pid = Number(owner);
      if (!Number.isInteger(pid) || pid === process.pid || !isRunning(pid))
        await rm(join(root, 'tmp', owner), { recursive: true, force: true });
    }
    const tmp = join(root, 'tmp', String(process.pid));
    await mkdir(tmp, { recursive: true });
    return new LocalBlobStore(root, tmp);
  }

  async put(bytes: Uint8Array): Promise<{ hash: string; sizeBytes: number }> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const prefix = hash.slice(0, 2);
    if (!this.#prefixesMade.has(prefix)) {
      await mkdir(join(this.#root, 'sha256', prefix), { recursive: true });
      this.#prefixesMade.add(prefix);
    }
    // Written even when the blob exists: the rename gives it a fresh time, which is what keeps a
    // garbage sweep from deleting a blob that a new upload is about to reference again.
    const temporary = join(this.#tmp, randomUUID());
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.#pathOf(hash));
    return { hash, sizeBytes: bytes.length };
  }

  async get(hash: string): Promise<Uint8Array> {
    assert(HASH_PATTERN.test(hash), 'blob hash is a hex SHA-256');
    try {
      return await readFile(this.#pathOf(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobMissingError(hash);
      throw error;
    }
  }

  async delete(hash: string, { writtenBeforeMs }: { writtenBeforeMs: number }): Promise<boolean> {
    const path = this.#pathOf(hash);
    try {
      if ((await stat(path)).mtimeMs >= writtenBeforeMs) return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await rm(path, { force: true });
    return true;
  }

  /** Number of blobs stored (for tests and diagnostics). */
  async count(): Promise<number> {
    let total = 0;
    for (const prefix of await readdir(join(this.#root, 'sha256'))) {
      total += (await readdir(join(this.#root, 'sha256', prefix))).length;
    }
    return total;
  }

  #pathOf(hash: string): string {
    assert(HASH_PATTERN.test(hash), 'blob hash is a hex SHA-256');
    return join(this.#root, 'sha256', hash.slice(0, 2), hash);
  }
}
