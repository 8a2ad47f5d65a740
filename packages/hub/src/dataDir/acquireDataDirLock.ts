import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './isRunning.ts';

/** Another live process holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor({ dataDir, pid }: { dataDir: string; pid: number }) {
    super(
      `The data directory ${dataDir} is in use by another hub (pid ${pid}). Stop that hub first, or start this one with another --data-dir.`,
    );
  }
}

/**
 * Claims a data directory for this process (a `hub.lock` file holding its pid). PGlite is a database in
 * this process: two hubs on one directory would corrupt it, so the second is refused with a clear error.
 * A lock left by a process that no longer runs (SIGKILL, power loss) is taken over.
 *
 * @returns a function that releases the lock
 */
export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'hub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
        throw new DataDirInUseError({ dataDir, pid: holder });
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not create ${path}: it reappeared while being taken over; try again`);
}
