import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a worker's data directory remembers of its registration with a hub. */
export type Registration = { hubUrl: string; workerId: string; name: string };

const FILE = 'registrations.json';

/** The worker's registration with a hub, if it registered there from this data directory. */
export function readRegistration(dataDir: string, hubUrl: string): Registration | undefined {
  try {
    const all = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Record<string, Registration>;
    const found = all[hubUrl];
    return typeof found?.workerId === 'string' ? found : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(
      `${join(dataDir, FILE)} is unreadable (${(error as Error).message}); delete it, the worker registers again.`,
    );
  }
}

/** Remembers a registration (replacing the file atomically). */
export function writeRegistration(dataDir: string, registration: Registration): void {
  let all: Record<string, Registration> = {};
  try {
    all = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Record<string, Registration>;
  } catch {
    // No file yet, or an unreadable one: it is rewritten whole.
  }
  all[registration.hubUrl] = registration;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = join(dataDir, `${FILE}.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, join(dataDir, FILE));
}
