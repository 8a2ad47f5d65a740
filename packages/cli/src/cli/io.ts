import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

/** Where a command writes; tests and the main entry pass their own. */
export type CommandIo = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A line that rewrites itself in place (a live status); only on a terminal, absent otherwise. */
  status?: (line: string) => void;
  env: NodeJS.ProcessEnv;
};

/**
 * The process's own terminal (or pipes). On a terminal a status line may sit at the bottom: every other
 * line first erases it (it is redrawn). A reader that goes away (`proofgrid job watch | head`) ends the
 * command quietly instead of with an EPIPE error.
 */
export function terminalIo(): CommandIo {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  if (process.stdout.isTTY !== true) {
    return {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      env: process.env,
    };
  }
  const erase = '\r\x1b[2K';
  return {
    out: (line) => process.stdout.write(`${erase}${line}\n`),
    err: (line) => {
      process.stdout.write(erase);
      process.stderr.write(`${line}\n`);
    },
    status: (line) => process.stdout.write(`${erase}${line}`),
    env: process.env,
  };
}

/** Secrets longer than this are not typed by a person; refuse rather than buffer without bound. */
const SECRET_LENGTH_MAX = 1024;

/**
 * A password from `--password`, else `PROOFGRID_PASSWORD`, else asked for: on a terminal without echo,
 * otherwise as the first line of standard input (so scripts can pipe it).
 */
export async function readPassword(
  flag: string | undefined,
  io: CommandIo,
  prompt: string,
  { envName = 'PROOFGRID_PASSWORD', flagName = '--password', noun = 'password' } = {},
): Promise<string> {
  const given = flag ?? io.env[envName];
  if (given !== undefined && given !== '') return given;
  const interactive = process.stdin.isTTY === true;
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: interactive });
  const noPassword = new Error(
    `No ${noun} given. ${flagName === '' ? '' : `Pass ${flagName}, `}Set ${envName}, or type it when asked.`,
  );
  try {
    // Piped input gets no prompt; a terminal gets one, and the typed characters are not echoed.
    const answer = new Promise<string>((resolve, reject) => {
      rl.once('close', () => reject(noPassword));
      rl.question(interactive ? prompt : '').then(resolve, reject);
    });
    muted = interactive;
    const password = await answer;
    if (interactive) process.stderr.write('\n');
    if (password === '') throw noPassword;
    if (password.length > SECRET_LENGTH_MAX)
      throw new Error(`The ${noun} is longer than ${SECRET_LENGTH_MAX} characters.`);
    return password;
  } finally {
    rl.close();
  }
}
