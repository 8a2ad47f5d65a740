import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { HubClient, WorkerClient } from '@proofgrid/client';
import { loadIdentity, runWorker } from '@proofgrid/worker';
import { readLogin } from '../config/credentials.ts';
import type { CommandIo } from './io.ts';

export type WorkerStartOptions = {
  hubUrl: string;
  dataDir: string;
  name: string | undefined;
  /** Link the worker to the account logged in to this hub (`proofgrid account login`). */
  account: boolean;
  memoryPagesMax: number;
  fuelPerSecond: number;
  secondsAvailable: number;
  tasksMax: number | undefined;
};

/**
 * `proofgrid worker start`: registers this machine's key with the hub and runs tasks until SIGINT or
 * SIGTERM, then gives back the lease it holds and exits.
 */
export async function workerStart(options: WorkerStartOptions, io: CommandIo): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const keys = loadIdentity(dataDir);
  const hub = new HubClient({ url: options.hubUrl });
  const client = new WorkerClient({ hub, keys, now: () => Date.now() });
  let token: string | undefined;
  if (options.account) {
    const login = readLogin(io.env, options.hubUrl);
    if (login === undefined)
      throw new Error(
        `Not logged in to ${options.hubUrl}. Run: proofgrid account login --hub ${options.hubUrl} --username <u>`,
      );
    token = login.basic_token.token;
  }
  const registered = await client.register({
    name: options.name ?? hostname(),
    ...(token === undefined ? {} : { token }),
  });
  io.out(
    `Worker ${registered.worker_id} registered with ${options.hubUrl}${registered.organization_id ? ` (account ${registered.organization_id})` : ''}; data in ${dataDir}.`,
  );
  const controller = new AbortController();
  const stop = (signal: string) => {
    io.out(`${signal} received: returning the current lease and stopping...`);
    controller.abort();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  let fuelTotal = 0;
  let lastIdle = '';
  const { tasks } = await runWorker(
    { client, signal: controller.signal },
    {
      dataDir,
      offer: {
        memory_pages_max: options.memoryPagesMax,
        fuel_per_second: options.fuelPerSecond,
        seconds_available: options.secondsAvailable,
      },
      idleWaitMsMin: 250,
      idleWaitMsMax: 5000,
      tasksMax: options.tasksMax,
    },
    {
      onTask: ({ lease, verdict, fuelUsed, ms }) => {
        fuelTotal += fuelUsed;
        io.out(
          `task ${lease.input_group_id} done in ${ms.toFixed(0)} ms, ${fuelUsed} fuel → ${verdict} (fuel so far ${fuelTotal})`,
        );
      },
      onIdle: (reason) => {
        if (reason !== lastIdle) io.out(`waiting for work: ${reason}`);
        lastIdle = reason;
      },
      onError: (error) =>
        io.err(
          `hub unreachable or refused, retrying: ${error instanceof Error ? error.message : String(error)}`,
        ),
    },
  );
  io.out(`Worker stopped after ${tasks} task(s).`);
  return 0;
}
