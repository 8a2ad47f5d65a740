import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HubApiError, HubClient } from '@proofgrid/client';
import { type HubProcess, runCli, startHubProcess } from './support/hubProcess.ts';

describe('proofgrid account and org commands against a running hub', () => {
  let hubProcess: HubProcess;
  let dataDir: string;
  let configDir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'proofgrid-cli-hub-'));
    configDir = await mkdtemp(join(tmpdir(), 'proofgrid-cli-config-'));
    hubProcess = await startHubProcess(['--data-dir', dataDir]);
    env = { PROOFGRID_CONFIG_DIR: configDir, PROOFGRID_HUB: hubProcess.url };
  });
  after(async () => {
    await hubProcess.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
    await rm(configDir, { recursive: true, force: true });
  });

  it('registers, logs in (keeping the login per hub URL, private to the user) and logs out', async () => {
    const register = await runCli(
      [
        'account',
        'register',
        '--username',
        'cli-lab',
        '--name',
        'CLI Lab',
        '--description',
        'from the CLI',
        '--password',
        'a long password',
      ],
      env,
    );
    assert.equal(register.code, 0, register.stderr);
    const registerAgain = await runCli(
      ['account', 'register', '--username', 'cli-lab', '--name', 'CLI Lab'],
      env,
      'a long password\n',
    );
    assert.equal(registerAgain.code, 1);
    assert.match(registerAgain.stderr, /taken.*\[USERNAME_ALREADY_EXISTS\]/);

    const login = await runCli(['account', 'login', '--username', 'cli-lab'], env, 'a long password\n');
    assert.equal(login.code, 0, login.stderr);
    const path = join(configDir, 'credentials.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(Object.keys(stored), [hubProcess.url]);
    const token = stored[hubProcess.url].basic_token.token;
    const hub = new HubClient({ url: hubProcess.url });
    await hub.api.listMyPrograms({}, { token });

    const logout = await runCli(['account', 'logout'], env);
    assert.equal(logout.code, 0, logout.stderr);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {});
    await assert.rejects(
      hub.api.listMyPrograms({}, { token }),
      (error: unknown) => error instanceof HubApiError && error.code === 'INVALID_TOKEN',
    );
  });

  it('says why a login failed and exits non-zero', async () => {
    const wrong = await runCli(['account', 'login', '--username', 'cli-lab', '--password', 'not it'], env);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /username or the password is wrong.*\[WRONG_CREDENTIALS\]/);
    const noPassword = await runCli(['account', 'login', '--username', 'cli-lab'], env, '');
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.stderr, /No password given/);
    assert.doesNotMatch(noPassword.stderr, /Password:/, 'no prompt when the password is piped');
    const unreachable = await runCli(
      ['account', 'login', '--username', 'x', '--password', 'y', '--hub', 'http://127.0.0.1:9'],
      env,
    );
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Cannot reach the hub at http:\/\/127\.0\.0\.1:9/);
  });

  it('lists organizations, filtered and paged, as text or JSON', async () => {
    for (const name of ['Zeta One', 'Zeta Two', 'Zeta Three']) {
      const result = await runCli(
        [
          'account',
          'register',
          '--username',
          name.replace(' ', '-').toLowerCase(),
          '--name',
          name,
          '--password',
          'a long password',
        ],
        env,
      );
      assert.equal(result.code, 0, result.stderr);
    }
    const text = await runCli(['org', 'list', '--name-filter', 'Zeta', '--limit', '2'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Zeta One/);
    assert.match(text.stdout, /2 shown of 3 organization\(s\)\. Use --page to see more\./);
    const json = await runCli(
      ['org', 'list', '--name-filter', 'Zeta', '--page', '2', '--limit', '2', '--json'],
      env,
    );
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.total_elements_amount, 3);
    assert.deepEqual(
      parsed.organizations.map((o: { name: string }) => o.name),
      ['Zeta Two'],
    );
  });

  it('explains misuse with the usage text and exit code 2', async () => {
    const missing = await runCli(['account', 'login'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--username is required/);
    const badLimit = await runCli(['org', 'list', '--limit', '500'], env);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--limit must be a whole number from 1 to 50/);
    const unknown = await runCli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command/);
  });
});
