import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type OrganizationSession, routes } from '@proofgrid/client';
import { creditsText, encodeBase64, parseCredits } from '@proofgrid/core';
import type { CommandIo } from '../../cli/io.ts';
import type { Arguments } from '../../cli/parseArguments.ts';
import { resolveHubUrl } from '../../config/resolveHubUrl.ts';
import { organizationSession } from '../../config/session.ts';

/** The logged-in organization on the hub the command names. */
export function marketSession(args: Arguments, io: CommandIo): OrganizationSession {
  return organizationSession(io.env, resolveHubUrl(args.string('hub'), io.env));
}

/** `12.5 credits (12500000000 nano)` in a column: both units, as the issue of units asks. */
export function credits(nano: number): string {
  return `${creditsText(nano)} credits (${nano} nano)`;
}

/** An amount flag or argument in credits (`1.5`, `1500nano`). */
export function creditsArg(args: Arguments, name: string, text: string): number {
  const nano = parseCredits(text);
  if (nano === undefined)
    throw args.usage(`${name} takes an amount of credits above 0, e.g. 1.5 or 1500nano (got "${text}").`);
  return nano;
}

/** `--tag a,b`: sorted, no repeats (the form an order is signed in). */
export function tagsArg(args: Arguments): string[] {
  const text = args.string('tag');
  if (text === undefined || text === '') return [];
  return [...new Set(text.split(',').map((tag) => tag.trim()))].sort();
}

/** A fresh salt: two otherwise equal orders are two orders. */
export function salt(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}

/** Input files in a folder, one per task, sorted by name (at most 256), as base64. */
export function readInputDir(args: Arguments, dir: string): { names: string[]; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isFile())
      .sort();
  } catch {
    throw args.usage(`--inputs takes a folder of input files, one per task (cannot read "${dir}").`);
  }
  if (names.length === 0) throw args.usage(`${dir} holds no input file: put one CSV per task in it.`);
  if (names.length > 256)
    throw args.usage(`${dir} holds ${names.length} files; a request takes at most 256.`);
  return { names, files: names.map((name) => encodeBase64(readFileSync(join(dir, name)))) };
}

/** A program of this account by name or id, or any program by id (someone else's, bought through its order). */
export async function programId(session: OrganizationSession, idOrName: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(idOrName)) return idOrName;
  const { Program } = await import('@proofgrid/client');
  return (await Program.find(session, idOrName)).id;
}

/** The account's organization id (the requester of its orders). */
export async function organizationId(session: OrganizationSession): Promise<string> {
  return (await session.call(routes.marketAccount, {})).organization_id;
}
