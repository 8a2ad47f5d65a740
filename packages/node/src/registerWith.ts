import { ProofGridError } from '@proofgrid/core';
import type { ChainNode } from './ChainNode.ts';

/** How long a peer has to answer a registration. */
const REGISTER_TIMEOUT_MS = 10_000;

type Registered = {
  peers: string[];
  peer_list?: { url: string; peerId: string; multiaddrs: string[] }[];
  chain: { length: number; chain: string[] };
  peer_id: string;
  multiaddrs: string[];
  genesis: string;
};

/**
 * CurveTime's `register_with`: asks the node at `url` to register this one (`register_node`), learns its
 * peers and its chain, then hands over to libp2p — it dials the node and the peers it knows, and fetches
 * the blocks it lacks from it.
 *
 * @throws NODE_UNREACHABLE when the node does not answer; GENESIS_MISMATCH when it runs another network
 */
export async function registerWith(
  node: ChainNode,
  url: string,
): Promise<{ peers: string[]; length: number; peer_id: string }> {
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ProofGridError('NODE_REQUEST_INVALID', {
      shortMessage: `"${url}" is not a node's HTTP URL.`,
      details: 'Give it as http://host:port, e.g. http://127.0.0.1:8000.',
    });
  }
  let registered: Registered;
  try {
    const response = await fetch(new URL('/node/register_node', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        node_address: node.url,
        peer_id: node.network.peerId,
        multiaddrs: node.network.multiaddrs,
      }),
      signal: AbortSignal.timeout(REGISTER_TIMEOUT_MS),
    });
    const envelope = (await response.json()) as { code: number; msg: string; data: Registered | null };
    if (envelope.data === null || typeof envelope.data.peer_id !== 'string') throw new Error(envelope.msg);
    registered = envelope.data;
  } catch (error) {
    throw new ProofGridError('NODE_UNREACHABLE', {
      shortMessage: `The node at ${base.origin} did not register this one: ${(error as Error).message}.`,
      details: 'Check that it is running (`curl <url>/health`) and reachable from here.',
    });
  }
  if (registered.genesis !== node.genesisHash)
    throw new ProofGridError('GENESIS_MISMATCH', {
      shortMessage: `The node at ${base.origin} runs another network (genesis ${String(registered.genesis).slice(0, 8)}, here ${node.genesisHash.slice(0, 8)}).`,
      details: 'Start this node with the same --genesis file as that network.',
    });
  await node.addPeer({ url: base.origin, peerId: registered.peer_id, multiaddrs: registered.multiaddrs });
  for (const peer of registered.peer_list ?? [])
    if (peer.peerId !== '' && peer.peerId !== node.network.peerId)
      await node.addPeer({ url: peer.url, peerId: peer.peerId, multiaddrs: peer.multiaddrs });
  // Adopt its chain now rather than at its next status: fetch what this node lacks of it.
  const tip = registered.chain.chain.at(-1);
  if (tip !== undefined && (await node.dialAny(registered.multiaddrs)) !== null)
    node.network.send('', registered.peer_id, { type: 'getBlock', hash: tip });
  return { peers: [...node.httpPeers.keys()], length: registered.chain.length, peer_id: registered.peer_id };
}
