import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  api,
  CLI,
  freePort,
  type NodeProcess,
  type Status,
  startNodeProcess,
  status,
  waitFor,
} from './nodeProcess.ts';

export type BlockView = {
  index: number;
  hash: string;
  author: string;
  declarers: string[];
  transactions: { hash: string }[];
};

/** A new network of real node processes on loopback, from a genesis made with the CLI. */
export class Network {
  readonly dir: string;
  readonly genesisPath: string;
  readonly nodes = new Map<string, NodeProcess>();
  readonly addresses = new Map<string, string>();

  constructor(dir: string) {
    this.dir = dir;
    this.genesisPath = join(dir, 'genesis.json');
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PROOFGRID_CONFIG_DIR: join(this.dir, 'config'),
        PROOFGRID_WALLET_PASSPHRASE: 'correct horse battery',
        ...env,
      },
    });
    return result;
  }

  /** Makes each node's key, a funded wallet, and the genesis that allocates `coins` to the staked ones. */
  genesis(names: string[], staked: string[], extra: string[] = []): void {
    for (const name of names) {
      const key = this.cli(['node', 'key', '--data-dir', join(this.dir, name), '--json']);
      assert.equal(key.status, 0, key.stderr);
      this.addresses.set(name, (JSON.parse(key.stdout) as { address: string }).address);
    }
    const made = this.cli([
      'node',
      'genesis',
      '--network-id',
      'e2e',
      '--employer-confidence',
      '2',
      '--stakeholders',
      '1',
      // A block every few seconds: slow enough that a late node (re-executing every stage on a busy
      // machine) overtakes the chain it syncs.
      '--try-interval-ms',
      '1000',
      ...staked.flatMap((name) => ['--allocate', `${this.addresses.get(name)}=1000`]),
      ...extra.flatMap((allocation) => ['--allocate', allocation]),
      '--out',
      this.genesisPath,
    ]);
    assert.equal(made.status, 0, made.stderr);
  }

  async start(name: string, args: string[] = []): Promise<NodeProcess> {
    const previous = this.nodes.get(name);
    const node = await startNodeProcess(['--genesis', this.genesisPath, ...args], {
      port: previous?.port ?? (await freePort()),
      p2pPort: previous?.p2pPort ?? (await freePort()),
      dataDir: join(this.dir, name),
    });
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): NodeProcess {
    const node = this.nodes.get(name);
    assert.ok(node !== undefined, name);
    return node;
  }

  async statuses(names: string[]): Promise<Status[]> {
    return Promise.all(names.map((name) => status(this.node(name))));
  }

  /** Waits until every named node holds the same block at height `atLeast` or above. */
  async converge(names: string[], atLeast: number, timeoutMs = 120_000): Promise<Status[]> {
    try {
      return await waitFor(
        `${names.join(', ')} on one tip at height ${atLeast} or more`,
        async () => {
          const all = await this.statuses(names);
          const first = all[0] as Status;
          return first.tip.index >= atLeast && all.every((s) => s.tip.hash === first.tip.hash)
            ? all
            : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      // What each node holds and last said: the failure explains itself.
      const lines = await Promise.all(
        names.map(async (name) => {
          const s = await status(this.node(name)).catch(() => null);
          const tail = this.node(name).output().trimEnd().split('\n').slice(-12).join('\n    ');
          return `${name}: tip ${s?.tip.index}:${s?.tip.hash.slice(0, 8)} peers ${s?.peers}\n    ${tail}`;
        }),
      );
      throw new Error(`${(error as Error).message}\n${lines.join('\n')}`);
    }
  }

  async mainChain(name: string): Promise<BlockView[]> {
    const blocks: BlockView[] = [];
    for (let from = 1; ; from += 100) {
      const page = (await api<BlockView[]>(this.node(name).url, `/node/blocks?from=${from}&limit=100`)).body
        .data;
      blocks.push(...page);
      if (page.length < 100) return blocks;
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
  }
}

export const counted = (chain: BlockView[], hash: string) =>
  chain.flatMap((b) => b.transactions).filter((t) => t.hash === hash).length;
