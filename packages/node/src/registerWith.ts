import { ProofGridError } from '@proofgrid/core';
import type { ChainNode } from './ChainNode.ts';

/** How long a peer has to answer a registration. */
const REGISTER_TIMEOUT_MS = 10_000;
/** A registration's answer, at most: a chain of 100,000 block hashes is 7 MB. */
const REGISTER_ANSWER_CHARS_MAX = 16 * 1024 * 1024;
/** Peers and addresses taken from one answer, at most. */
const PEERS_TAKEN_MAX = 64;
const ADDRESSES_TAKEN_MAX = 16;

const strings = (value: unknown, max: number): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string' && v.length <= 512).slice(0, max)
    : [];

/** A peer's answer to `register_node`, checked field by field (it comes from anyone): or why not. */
function checkRegistered(data: unknown, msg: string): Registered {
  const d = data as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) throw new Error(msg);
  const chain = d.chain as Record<string, unknown> | null;
  if (typeof d.peer_id !== 'string' || d.peer_id.length > 128 || typeof d.genesis !== 'string')
    throw new Error('it answered without a peer id and a genesis');
  return {
    peers: strings(d.peers, PEERS_TAKEN_MAX),
    peer_list: (Array.isArray(d.peer_list) ? d.peer_list : []).slice(0, PEERS_TAKEN_MAX).flatMap((raw) => {
      const peer = raw as Record<string, unknown> | null;
      return typeof peer?.url === 'string' && typeof peer.peerId === 'string' && peer.peerId.length <= 128
        ? [
            {
              url: peer.url.slice(0, 2048),
              peerId: peer.peerId,
              multiaddrs: strings(peer.multiaddrs, ADDRESSES_TAKEN_MAX),
            },
          ]
        : [];
    }),
    chain: {
      length: Number.isSafeInteger(chain?.length) ? (chain?.length as number) : 0,
      chain: strings(chain?.chain, Number.MAX_SAFE_INTEGER).filter((h) => /^[0-9a-f]{64}$/.test(h)),
    },
    peer_id: d.peer_id,
    multiaddrs: strings(d.multiaddrs, ADDRESSES_TAKEN_MAX),
    genesis: d.genesis,
  };
}

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
    const text = await response.text();
    if (text.length > REGISTER_ANSWER_CHARS_MAX)
      throw new Error(`its answer is over ${REGISTER_ANSWER_CHARS_MAX} characters`);
    const envelope = JSON.parse(text) as { msg?: unknown; data?: unknown };
    registered = checkRegistered(envelope.data, String(envelope.msg));
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
  if (tip !== undefined && (await node.dialAny(registered.multiaddrs).catch(() => null)) !== null)
    node.network.send('', registered.peer_id, { type: 'getBlock', hash: tip });
  return { peers: [...node.httpPeers.keys()], length: registered.chain.length, peer_id: registered.peer_id };
}
