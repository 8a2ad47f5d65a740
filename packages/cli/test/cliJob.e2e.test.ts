import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess.ts';

const CLI = new URL('../bin/proofgrid.js', import.meta.url).pathname;
const WASI = 'wasi_snapshot_preview1';

/**
 * A program whose run depends on its one input byte: 0 writes "ok", 1 spins until its fuel runs out, 2
 * traps, 3 writes to its log and exits with code 3.
 */
const MOODY = `(module
  (import "${WASI}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "${WASI}" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "ok")
  (data (i32.const 210) "bad input\\n")
  (func $write (param $fd i32) (param $at i32) (param $length i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $length))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 12))))
  (func (export "_start") (local $mood i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.set $mood (i32.load8_u (i32.const 68)))
    (if (i32.eq (local.get $mood) (i32.const 1)) (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $mood) (i32.const 2)) (then unreachable))
    (if (i32.eq (local.get $mood) (i32.const 3))
      (then (call $write (i32.const 2) (i32.const 210) (i32.const 10)) (call $proc_exit (i32.const 3))))
    (call $write (i32.const 1) (i32.const 200) (i32.const 2))))`;

describe('an organization follows, inspects and steers a job with the CLI (real processes)', () => {
  let workDir: string;
  let hubProcess: HubProcess;
  let env: NodeJS.ProcessEnv;
  const workers: WorkerProcess[] = [];
  const cli = (...args: string[]) => runCli(args, env);
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofgrid-cli-job-'));
    hubProcess = await startHubProcess(['--data-dir', join(workDir, 'hub')]);
    env = {
      PROOFGRID_CONFIG_DIR: join(workDir, 'config'),
      PROOFGRID_HUB: hubProcess.url,
      PROOFGRID_PASSWORD: 'a long password',
    };
    await ok('account', 'register', '--username', 'steerer', '--name', 'Steering Lab');
    await ok('account', 'login', '--username', 'steerer');
    const wabt = await (await import('wabt')).default();
    const parsed = wabt.parseWat('moody.wat', MOODY);
    const folder = join(workDir, 'moody');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'moody.wasm'), new Uint8Array(parsed.toBinary({}).buffer));
    parsed.destroy();
    await writeFile(
      join(folder, 'proofgrid.json'),
      JSON.stringify({ name: 'moody', runtime: 'wasm', entry: 'moody.wasm', limits: { fuel: 1_000_000 } }),
    );
    await ok('program', 'upload', folder, '--name', 'moody', '--timeout', '30');
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    await hubProcess.stop('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  it('prints help for every command, its version, and one line for misuse', async () => {
    const general = await ok('--help');
    const commands = [...general.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((match) => match[1] ?? '');
    assert.ok(commands.length >= 25, `every command is listed: ${commands.join(', ')}`);
    for (const command of commands) {
      for (const flag of ['--help', '-h']) {
        const help = await cli(...command.split(' '), flag);
        assert.equal(help.code, 0, `${command} ${flag}: ${help.stderr}`);
        assert.match(help.stdout, new RegExp(`^Usage: proofgrid ${command}`), command);
        assert.match(help.stdout, /-h, --help/);
      }
    }
    assert.match(await ok('--version'), /^proofgrid \d+\.\d+\.\d+\n$/);
    const misused = await cli('task', 'show', 'moody');
    assert.equal(misused.code, 2);
    assert.equal(misused.stdout, '');
    assert.deepEqual(misused.stderr.trim().split('\n').length, 1, misused.stderr);
    assert.match(misused.stderr, /expected 2 arguments.*See: proofgrid task show --help/);
    const unknown = await cli('task', 'frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "task frobnicate"\. See: proofgrid task --help/);
  });

  it('names commands, never HTTP routes, in its errors', async () => {
    const missing = await cli('program', 'show', 'no-such-program');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /proofgrid program list/);
    const notFound = await cli('task', 'show', 'moody', 'no-such-group');
    assert.match(notFound.stderr, /proofgrid input list moody/);
    for (const result of [missing, notFound])
      assert.doesNotMatch(result.stderr, /(GET|POST|PATCH|DELETE) \/|\/program\//);
  });

  it('adds input groups without base64 by hand, and lists and deletes them', async () => {
    for (const [name, byte] of [
      ['fine', '00'],
      ['spins', '01'],
      ['traps', '02'],
      ['exits', '03'],
      ['doomed', '00'],
    ] as const)
      assert.match(await ok('input', 'add', 'moody', name, '--hex', byte), /with 1 value to moody/);
    const listed = JSON.parse(await ok('input', 'list', 'moody', '--json')) as {
      input_groups: { name: string; state: string }[];
    };
    assert.deepEqual(
      listed.input_groups.map((group) => [group.name, group.state]),
      ['fine', 'spins', 'traps', 'exits', 'doomed'].map((name) => [name, 'open']),
    );
    assert.match(await ok('input', 'delete', 'moody', 'doomed'), /Deleted input group doomed/);
    const bad = await cli('input', 'add', 'moody', 'x', '--u32', '4294967296');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--u32 "4294967296": 4294967296 does not fit in 4 unsigned byte/);
  });

  it('says why a task waits while fewer distinct workers run than it needs', async () => {
    const lonely = startWorkerProcess(hubProcess.url, join(workDir, 'w0'));
    workers.push(lonely);
    const watched = await cli('job', 'watch', 'moody', '--timeout', '8');
    assert.equal(watched.code, 1);
    assert.match(
      watched.stderr,
      /need a result from a worker that has not run them yet.*another identity \(another data directory\) or on another machine/,
    );
    assert.match(lonely.output(), /already have a replica from this worker or its account.*another identity/);
  });

  it('ends a job whose runs fail with each failure and its reason, agreed by two workers', async () => {
    workers.push(startWorkerProcess(hubProcess.url, join(workDir, 'w1')));
    const watched = await cli('job', 'watch', 'moody', '--timeout', '120');
    assert.equal(watched.code, 1, watched.stderr);
    assert.match(watched.stdout, /4\/4 done: 1 verified, 3 failed/);
    assert.match(
      watched.stdout,
      /3 tasks failed and 0 cancelled\. Why: proofgrid task list moody --state failed/,
    );
    const failed = JSON.parse(await ok('task', 'list', 'moody', '--state', 'failed', '--json')) as {
      tasks: { name: string; failure_reason: string }[];
    };
    assert.deepEqual(Object.fromEntries(failed.tasks.map((task) => [task.name, task.failure_reason])), {
      spins: 'FUEL_EXHAUSTED after 1,000,000 fuel (agreed by 2 workers)',
      traps: failed.tasks.find((task) => task.name === 'traps')?.failure_reason,
      exits: failed.tasks.find((task) => task.name === 'exits')?.failure_reason,
    });
    assert.match(
      failed.tasks.find((task) => task.name === 'traps')?.failure_reason ?? '',
      /^WASM_TRAP after [\d,]+ fuel \(agreed by 2 workers\): .*unreachable/,
    );
    assert.match(
      failed.tasks.find((task) => task.name === 'exits')?.failure_reason ?? '',
      /^exited with code 3 after [\d,]+ fuel \(agreed by 2 workers\)$/,
    );
    const shown = await ok('task', 'show', 'moody', 'exits');
    assert.match(shown, /exits \(.*\): failed, attempt 1/);
    assert.match(shown, /run: \d+ fuel, exit code 3/);
    assert.match(shown, /log:\n {2}bad input/);
    const json = JSON.parse(await ok('task', 'show', 'moody', 'exits', '--json'));
    assert.equal(json.run.log, 'bad input\n');
    assert.equal(
      json.replicas.filter(
        (replica: { judgements: { code: string }[] }) => replica.judgements[0]?.code === 'agreed',
      ).length,
      2,
    );

    const out = join(workDir, 'results');
    const downloaded = await cli('results', 'download', 'moody', '--out', out);
    assert.equal(downloaded.code, 1);
    assert.match(downloaded.stdout, /Saved 1 result to .*; 3 failed or cancelled/);
    assert.equal(await readFile(join(out, 'fine', 'output'), 'utf8'), 'ok');
    const verdict = JSON.parse(await readFile(join(out, 'spins', 'verdict.json'), 'utf8'));
    assert.deepEqual(
      [verdict.state, verdict.failure_reason],
      ['failed', 'FUEL_EXHAUSTED after 1,000,000 fuel (agreed by 2 workers)'],
    );
  });

  it('runs a failed task again as a new attempt, and survives a closed pipe while watching', async () => {
    assert.match(await ok('task', 'retry', 'moody', 'traps'), /traps: open again \(attempt 2\)/);
    // `| head -1` closes the pipe after one line: the watcher leaves quietly, no EPIPE.
    const piped = spawn('sh', ['-c', `node ${CLI} job watch moody | head -1`], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    piped.stdout.on('data', (chunk) => (stdout += chunk));
    piped.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(piped, 'exit');
    assert.equal(code, 0);
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.equal(stderr, '');
    const again = await cli('job', 'watch', 'moody', '--json', '--timeout', '120');
    assert.equal(again.code, 1);
    const last = JSON.parse(again.stdout.trim().split('\n').at(-1) ?? '{}');
    assert.deepEqual([last.done, last.failed, last.verified], [true, 3, 1]);
    assert.equal(JSON.parse(await ok('task', 'show', 'moody', 'traps', '--json')).attempt, 2);
  });

  it("shows a worker its own record, and cancels a job's unfinished tasks", async () => {
    const status = JSON.parse(await ok('worker', 'status', '--data-dir', join(workDir, 'w1'), '--json'));
    assert.ok(status.reputation.results_valid >= 4, JSON.stringify(status));
    assert.equal(status.reputation.results_invalid, 0);
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGTERM')));
    assert.match(await ok('input', 'add', 'moody', 'late', '--hex', '00'), /with 1 value/);
    assert.deepEqual(JSON.parse(await ok('job', 'cancel', 'moody', '--json')), {
      program_id: JSON.parse(await ok('program', 'show', 'moody', '--json')).program_id,
      cancelled: 1,
    });
    const watched = await cli('job', 'watch', 'moody');
    assert.equal(watched.code, 1);
    assert.match(watched.stdout, /1 cancelled/);
  });

  it('ends the watch of a job with no input groups at once', async () => {
    await ok('program', 'upload', join(workDir, 'moody'), '--name', 'empty');
    const watched = await cli('job', 'watch', 'empty');
    assert.equal(watched.code, 0);
    assert.match(watched.stdout, /empty has no input groups, so there is nothing to do/);
  });
});
