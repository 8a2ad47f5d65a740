/** The command line was misused: a one-line message, and the command whose `--help` explains it (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly command: string;

  constructor(message: string, { command }: { command: string }) {
    super(message);
    this.command = command;
  }
}
