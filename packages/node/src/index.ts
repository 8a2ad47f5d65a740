export { ChainNode, type NodeOptions } from './ChainNode.ts';
export { NodeClient } from './client/NodeClient.ts';
export {
  ALLOCATIONS_MAX,
  chainOfGenesis,
  DEV_KEYS,
  devGenesis,
  devKey,
  type Genesis,
  parseGenesis,
} from './genesis.ts';
export { buildNodeApp } from './http/buildNodeApp.ts';
export { loadOrCreateNodeKey, type NodeKey } from './nodeKey.ts';
export { MESSAGE_BYTES_MAX } from './p2p/PeerNetwork.ts';
export { type RunningNode, startNode } from './startNode.ts';
export {
  decryptKey,
  encryptKey,
  type Keystore,
  PASSPHRASE_MAX,
  PASSPHRASE_MIN,
  parseKeystore,
} from './wallet/keystore.ts';
