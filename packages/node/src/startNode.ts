import type { FastifyInstance } from 'fastify';
import { ChainNode, type NodeOptions } from './ChainNode.ts';
import { buildNodeApp } from './http/buildNodeApp.ts';
import { registerWith } from './registerWith.ts';

/** How often a `--peer` that did not answer is asked again. */
const REGISTER_RETRY_MS = 3_000;

export type RunningNode = { node: ChainNode; app: FastifyInstance; url: string; close: () => Promise<void> };

/**
 * A node serving its HTTP API: opened (stored blocks re-judged), listening, and registered with each of
 * `peers` (HTTP URLs) the way CurveTime's `register_with` does. A peer that does not answer is reported
 * through `options.log`, not fatal: the node keeps trying its stored peers.
 */
export async function startNode(options: NodeOptions & { peers: string[] }): Promise<RunningNode> {
  const node = await ChainNode.open(options);
  let app: FastifyInstance;
  try {
    app = await buildNodeApp(node);
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await node.stop();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  node.url = `http://${host}:${port}`;
  let closed = false;
  // A peer still starting (re-verifying its chain) is asked again until it answers.
  const register = async (peer: string, attempt: number): Promise<void> => {
    if (closed) return;
    try {
      await registerWith(node, peer);
    } catch (error) {
      if (attempt === 0 || attempt % 10 === 0)
        options.log(
          `[node][WARNING]: cannot register with ${peer} (will retry every ${REGISTER_RETRY_MS / 1000} s): ${(error as Error).message}`,
        );
      setTimeout(() => void register(peer, attempt + 1), REGISTER_RETRY_MS).unref();
    }
  };
  await Promise.all(options.peers.map((peer) => register(peer, 0)));
  return {
    node,
    app,
    url: node.url,
    close: async () => {
      closed = true;
      await app.close();
      await node.stop();
    },
  };
}
