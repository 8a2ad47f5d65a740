import { resolve } from 'node:path';
import { HubClient, WorkerClient } from '@proofgrid/client';
import { nodeTransport } from '@proofgrid/client/node';
import { loadIdentity, readRegistration } from '@proofgrid/worker';
import type { CommandIo } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { resolveHubUrl } from '../config/resolveHubUrl.ts';
import { printResult } from './output.ts';

/** `proofgrid worker status [--data-dir …]`: this machine's worker as the hub knows it. */
export async function workerStatus(args: Arguments, io: CommandIo): Promise<number> {
  const hubUrl = resolveHubUrl(args.string('hub'), io.env);
  const dataDir = resolve(args.string('data-dir') ?? './.proofgrid/worker');
  const registration = readRegistration(dataDir, hubUrl);
  if (registration === undefined)
    throw new Error(
      `The worker of ${dataDir} has not registered with ${hubUrl} yet. Start it once: proofgrid worker start --data-dir ${dataDir} --hub ${hubUrl}`,
    );
  const client = new WorkerClient({
    hub: new HubClient({ url: hubUrl, transport: nodeTransport }),
    keys: loadIdentity(dataDir),
    now: () => Date.now(),
  });
  client.workerId = registration.workerId;
  const me = await client.me();
  printResult(io, args, me, () => [
    `worker ${me.worker_id} "${me.name}" on ${hubUrl}${me.organization_id === null ? ' (not linked to an account)' : ` (account ${me.organization_id})`}`,
    `registered ${me.registered_at}, last seen ${me.last_seen_at}`,
    `reputation: ${me.reputation.results_valid} valid result(s), ${me.reputation.results_invalid} invalid, ${me.reputation.consecutive_valid} valid in a row, ${me.reputation.leases_lapsed} lease(s) lapsed`,
  ]);
  return 0;
}
