import { type ProgramSummary, type Progress, routes, type TaskSummary, type Verdict } from '@proofgrid/api';
import { encodeInputCsv, PAGE_LIMIT_MAX } from '@proofgrid/core';
import { HubApiError } from './HubApiError.ts';
import type { OrganizationSession } from './OrganizationSession.ts';

/** Pages read at most when walking a listing (50 items each): a bound, not a limit anyone meets. */
const PAGES_MAX = 100_000;

/** One task's outcome, as `results()` yields it. */
export type TaskResult =
  | {
      name: string;
      inputGroupId: string;
      state: 'verified' | 'confirmed' | 'proven';
      output: Uint8Array;
      verdict: Verdict;
    }
  | { name: string; inputGroupId: string; state: 'failed' | 'cancelled'; reason: string | null }
  | { name: string; inputGroupId: string; state: 'open'; reason: null };

/**
 * One of an organization's programs: add inputs, follow the job, read verified results. The SDK's short
 * road; every route is also reachable through `session.call`.
 *
 * @example
 * const program = await Program.upload(org, { name: 'primality', archive });
 * await program.addInputs('numbers', [inputValue.u32(7), inputValue.u32(8)]);
 * await program.waitUntilDone();
 * for await (const result of program.results()) console.log(result.name, result.state);
 */
export class Program {
  readonly session: OrganizationSession;
  readonly summary: ProgramSummary;

  constructor(session: OrganizationSession, summary: ProgramSummary) {
    this.session = session;
    this.summary = summary;
  }

  get id(): string {
    return this.summary.program_id;
  }

  /** Uploads a program archive (a tar; `packProgramFolder` from `@proofgrid/client/node` makes one). */
  static async upload(
    session: OrganizationSession,
    {
      name,
      archive,
      description = '',
      leaseSeconds = 300,
    }: { name: string; archive: Uint8Array; description?: string; leaseSeconds?: number },
  ): Promise<Program> {
    const { program_id } = await session.call(routes.uploadProgram, {
      file: { name: 'program.tar', bytes: archive },
      data: { name, description, execution_timeout: leaseSeconds },
    });
    return Program.find(session, program_id);
  }

  /** One of the organization's programs, by id or name. @throws {HubApiError} PROGRAM_NOT_FOUND */
  static async find(session: OrganizationSession, idOrName: string): Promise<Program> {
    for (let page = 1; page <= PAGES_MAX; page++) {
      const listed = await session.call(routes.listMyPrograms, { query: { page, limit: PAGE_LIMIT_MAX } });
      const found = listed.programs.find(
        (program) => program.program_id === idOrName || program.name === idOrName,
      );
      if (found !== undefined) return new Program(session, found);
      if (page * PAGE_LIMIT_MAX >= listed.total_elements_amount) break;
    }
    throw new HubApiError({
      code: 'PROGRAM_NOT_FOUND',
      status: 404,
      message: `You have no program "${idOrName}".`,
      action: 'list_programs',
    });
  }

  /** Adds one input group from its values (see `inputValue` for encoders); returns its id. */
  async addInputs(name: string, values: readonly Uint8Array[]): Promise<string> {
    return this.addInputFile(name, {
      name: `${name}.csv`,
      bytes: new TextEncoder().encode(encodeInputCsv(values)),
    });
  }

  /** Adds one input group from a file: a CSV of base64 values, or for a Noir program a Prover.toml or JSON. */
  async addInputFile(name: string, file: { name: string; bytes: Uint8Array }): Promise<string> {
    const { input_group_id } = await this.session.call(routes.uploadInputGroup, {
      params: { program_id: this.id },
      file,
      data: { name },
    });
    return input_group_id;
  }

  progress(): Promise<Progress> {
    return this.session.call(routes.programProgress, { params: { program_id: this.id } });
  }

  /**
   * Polls the job until no task can change without you (all verified, failed or cancelled), or until
   * `timeoutMs`; returns the last progress.
   */
  async waitUntilDone({
    pollMs = 1000,
    timeoutMs = 3_600_000,
    onProgress,
  }: {
    pollMs?: number;
    timeoutMs?: number;
    onProgress?: (progress: Progress) => void;
  } = {}): Promise<Progress> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const progress = await this.progress();
      onProgress?.(progress);
      if (progress.done) return progress;
      if (Date.now() > deadline)
        throw new Error(
          `The job of ${this.summary.name} is not done after ${Math.round(timeoutMs / 1000)} s${progress.waiting_reason === null ? '' : `: ${progress.waiting_reason}`}`,
        );
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** The program's tasks, oldest first, optionally of one state. */
  async *tasks(state?: TaskSummary['state']): AsyncGenerator<TaskSummary> {
    for (let page = 1; page <= PAGES_MAX; page++) {
      const listed = await this.session.call(routes.listTasks, {
        params: { program_id: this.id },
        query: { page, limit: PAGE_LIMIT_MAX, ...(state === undefined ? {} : { state }) },
      });
      yield* listed.tasks;
      if (page * PAGE_LIMIT_MAX >= listed.total_elements_amount) return;
    }
  }

  /** Every task's outcome: the output and verdict of each verified one, the reason of each failed one. */
  async *results(): AsyncGenerator<TaskResult> {
    for await (const task of this.tasks()) {
      const base = { name: task.name, inputGroupId: task.input_group_id };
      if (task.state === 'verified' || task.state === 'confirmed' || task.state === 'proven') {
        const { bytes, headers } = await this.session.call(routes.taskResult, {
          params: { program_id: this.id, input_group_id: task.input_group_id },
        });
        yield { ...base, state: task.state, output: bytes, verdict: headers['proofgrid-verdict'] };
      } else if (task.state === 'open') yield { ...base, state: 'open', reason: null };
      else yield { ...base, state: task.state, reason: task.failure_reason };
    }
  }

  /** Cancels every unfinished task; returns how many. */
  async cancel(): Promise<number> {
    return (await this.session.call(routes.cancelJob, { params: { program_id: this.id } })).cancelled;
  }

  /** Deletes the program with its inputs and results. */
  async delete(): Promise<void> {
    await this.session.call(routes.deleteProgram, { params: { program_id: this.id } });
  }
}
