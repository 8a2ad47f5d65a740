import { HubClient, OrganizationSession, routes } from '@proofgrid/client';
import { nodeTransport } from '@proofgrid/client/node';
import { type CommandIo, readPassword } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { fileTokenStore, organizationSession } from '../config/session.ts';
import { printResult } from './output.ts';

/** `proofgrid account register`: creates an organization's account on the hub. */
export async function accountRegister(args: Arguments, io: CommandIo): Promise<number> {
  const hubUrl = resolveHubUrl(args.string('hub'), io.env);
  const username = args.required('username');
  const name = args.required('name');
  const password = await readPassword(args.string('password'), io, 'Password: ');
  await new HubClient({ url: hubUrl, transport: nodeTransport }).call(routes.register, {
    body: { username, password, name, description: args.string('description') ?? '' },
  });
  printResult(io, args, { hub: hubUrl, username, name }, () => [
    `Registered "${username}" (organization "${name}") on ${hubUrl}. Log in with: proofgrid account login --username ${username}`,
  ]);
  return 0;
}

/** `proofgrid account login`: logs in and keeps the tokens for this hub URL in the user's config folder. */
export async function accountLogin(args: Arguments, io: CommandIo): Promise<number> {
  const hubUrl = resolveHubUrl(args.string('hub'), io.env);
  const username = args.required('username');
  const password = await readPassword(args.string('password'), io, 'Password: ');
  await OrganizationSession.login({
    url: hubUrl,
    username,
    password,
    store: fileTokenStore(io.env, hubUrl),
    transport: nodeTransport,
  });
  printResult(io, args, { hub: hubUrl, username }, () => [`Logged in to ${hubUrl} as "${username}".`]);
  return 0;
}

/** `proofgrid account logout`: revokes the session on the hub and forgets the tokens kept for it. */
export async function accountLogout(args: Arguments, io: CommandIo): Promise<number> {
  const hubUrl = resolveHubUrl(args.string('hub'), io.env);
  const session = organizationSession(io.env, hubUrl);
  const username = session.username;
  await session.logout();
  printResult(
    io,
    args,
    { hub: hubUrl, username: username ?? null, logged_out: username !== undefined },
    () => [
      username === undefined
        ? `Not logged in to ${hubUrl}; nothing to do.`
        : `Logged out of ${hubUrl} ("${username}"); the session is revoked on the hub.`,
    ],
  );
  return 0;
}
