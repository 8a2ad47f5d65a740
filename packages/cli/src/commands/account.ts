import { HubClient } from '@proofgrid/client';
import { readLogin, writeLogin } from '../config/credentials.ts';
import { type CommandIo, readPassword } from './io.ts';

/** `proofgrid account register`: creates an organization's account on the hub. */
export async function accountRegister(
  options: {
    hubUrl: string;
    username: string;
    password: string | undefined;
    name: string;
    description: string;
  },
  io: CommandIo,
): Promise<number> {
  const password = await readPassword(options.password, io, 'Password: ');
  await new HubClient({ url: options.hubUrl }).register({
    username: options.username,
    password,
    name: options.name,
    description: options.description,
  });
  io.out(
    `Registered "${options.username}" (organization "${options.name}") on ${options.hubUrl}. Log in with: proofgrid account login --username ${options.username}`,
  );
  return 0;
}

/** `proofgrid account login`: logs in and keeps the tokens for this hub URL in the user's config folder. */
export async function accountLogin(
  options: { hubUrl: string; username: string; password: string | undefined },
  io: CommandIo,
): Promise<number> {
  const password = await readPassword(options.password, io, 'Password: ');
  const tokens = await new HubClient({ url: options.hubUrl }).login({ username: options.username, password });
  writeLogin(io.env, options.hubUrl, { username: options.username, ...tokens });
  io.out(`Logged in to ${options.hubUrl} as "${options.username}".`);
  return 0;
}

/** `proofgrid account logout`: revokes the session on the hub and forgets the tokens kept for it. */
export async function accountLogout(options: { hubUrl: string }, io: CommandIo): Promise<number> {
  const login = readLogin(io.env, options.hubUrl);
  if (login === undefined) {
    io.out(`Not logged in to ${options.hubUrl}; nothing to do.`);
    return 0;
  }
  await new HubClient({ url: options.hubUrl }).logout(login.refresh_token.token_id);
  writeLogin(io.env, options.hubUrl, undefined);
  io.out(`Logged out of ${options.hubUrl} ("${login.username}"); the session is revoked on the hub.`);
  return 0;
}
