import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the CLI keeps for one hub after `account login`. */
export type StoredLogin = {
  username: string;
  basic_token: { token_id: string; token: string };
  refresh_token: { token_id: string; token: string };
};

/**
 * The user's ProofGrid configuration folder: `$PROOFGRID_CONFIG_DIR`, else `$XDG_CONFIG_HOME/proofgrid`,
 * else `~/.config/proofgrid`.
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.PROOFGRID_CONFIG_DIR) return env.PROOFGRID_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'proofgrid');
}

function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'credentials.json');
}

function readAll(env: NodeJS.ProcessEnv): Record<string, StoredLogin> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(credentialsPath(env), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, StoredLogin>) : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(
      `Cannot read ${credentialsPath(env)} (${(error as Error).message}). Delete it and log in again.`,
    );
  }
}

/** The login kept for a hub URL, if any. */
export function readLogin(env: NodeJS.ProcessEnv, hubUrl: string): StoredLogin | undefined {
  return readAll(env)[hubUrl];
}

/**
 * Keeps (or with `undefined` forgets) the login for a hub URL. The file is private to the user (0600) and
 * replaced atomically, so a crash never leaves it half-written.
 */
export function writeLogin(env: NodeJS.ProcessEnv, hubUrl: string, login: StoredLogin | undefined): void {
  const all = readAll(env);
  if (login === undefined) delete all[hubUrl];
  else all[hubUrl] = login;
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(env);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
