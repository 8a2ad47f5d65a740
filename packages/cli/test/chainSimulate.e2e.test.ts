import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runNode } from './support/hubProcess.ts';

const CLI = new URL('../bin/proofgrid.js', import.meta.url).pathname;
const LOG_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\]\[[a-z0-9-]+\]\[(INFO|DEBUG|WARNING)\]: .+$/;

describe('proofgrid chain simulate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proofgrid-simulate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("runs seed 003's scenario to agreement, logging in the seed's format, the same seed giving the same log in another process", async () => {
    const first = await runNode([CLI, 'chain', 'simulate'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /The honest chain \(6 blocks\):/);
    assert.match(first.stdout, /Every honest node agrees: tip #6 [0-9a-f]{8}/);
    assert.match(
      first.stdout,
      /Model: \d+\.\d\d% test accuracy on MNIST's 10,000 test images after 6 stages/,
    );
    assert.match(first.stdout, /Transfers: 100 attempted, .* 0 lost, 0 counted twice\./);
    const consoleLines = first.stdout.split('\n').filter((line) => line.startsWith('['));
    assert.ok(consoleLines.length > 0 && consoleLines.every((line) => LOG_LINE.test(line)));
    assert.ok(!consoleLines.some((line) => line.includes('[DEBUG]')), 'DEBUG goes to the file only');
    const log = await readFile(join(dir, 'pot_sim.log'), 'utf8');
    const fileLines = log.trimEnd().split('\n');
    assert.ok(
      fileLines.every((line) => LOG_LINE.test(line)),
      'every line of the file in the seed’s format',
    );
    assert.ok(fileLines.some((line) => line.includes('[DEBUG]')));
    assert.deepEqual(
      fileLines.filter((line) => !line.includes('[DEBUG]')),
      consoleLines,
      'the console shows the INFO lines of the file',
    );

    const second = await runCli(['chain', 'simulate', '--log', join(dir, 'again.log'), '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await readFile(join(dir, 'again.log'), 'utf8'), log, 'same seed, same log, byte for byte');
    const report = JSON.parse(second.stdout);
    assert.equal(report.agreement, true);
    assert.equal(report.chain.length, 6);
    assert.ok(report.testAccuracy > 0.1 && report.testAccuracy < 1);
  });

  it('shows poisoners earning nothing, and exits 1 when the honest nodes cannot agree', async () => {
    const poisoned = await runCli(['chain', 'simulate', '--poisoners', '3', '--log', join(dir, 'p.log')]);
    assert.equal(poisoned.code, 0, poisoned.stderr);
    assert.match(
      poisoned.stdout,
      /Poisoners \(node-09, node-10, node-11\): 0 of their declarations counted, 0 coins earned\./,
    );
    const stalled = await runCli([
      'chain',
      'simulate',
      '--poisoners',
      '9',
      '--max-time',
      '120',
      '--log',
      join(dir, 's.log'),
    ]);
    assert.equal(stalled.code, 1);
    assert.match(stalled.stdout, /The honest nodes do NOT agree on a tip at length 6/);
  });

  it('refuses bad flags with a usage error that says what is wrong', async () => {
    for (const [args, message] of [
      [['--nodes', '0'], /--nodes must be a whole number from 1 to 64/],
      [['--poisoners', '12'], /--poisoners must be a whole number from 0 to 11/],
      [['--drop-rate', '0.9'], /--drop-rate must be a number from 0 to 0.5/],
      [['--partition', '60-10'], /--partition takes <from>-<to>/],
      [['--crash', '99:1-2'], /--crash takes <node>:<from>-<to> \(seconds\) with a node from 1 to 11/],
      [['--poison', 'gentle'], /--poison is flip-labels or append-mislabeled/],
      [['--stakeholders', '40'], /--stakeholders must be a whole number from 1 to 21/],
      [
        ['--nodes', '2', '--employer-confidence', '3'],
        /--employer-confidence must be a whole number from 1 to 2/,
      ],
      [['extra'], /chain simulate takes options only \(got "extra"\)/],
      [['--crash', '2:5'], /--crash takes <node>:<from>-<to> \(seconds\)/],
      [['--crash', '1:10-40', '--crash', '1:15-60'], /the crashes of node 1 overlap/],
      [['--max-time', '60', '--crash', '1:10-70'], /--crash takes <from>-<to>, whole numbers from 0 to 59/],
    ] as const) {
      const result = await runCli(['chain', 'simulate', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const noLog = await runCli(['chain', 'simulate', '--log', join(dir, 'missing', 'x.log')]);
    assert.equal(noLog.code, 1);
    assert.match(
      noLog.stderr,
      /Cannot write the log to .*missing.*ENOENT.*give --log a file in a folder you can write to/,
    );
    assert.equal(noLog.stdout, '', 'nothing ran');
  });
});
