export { HubApiError } from './HubApiError.ts';
export {
  HubClient,
  type LoginTokens,
  type Organization,
  type PageQuery,
  type RequestOptions,
  type TokenPair,
} from './HubClient.ts';
export { type ReplicaLease, WorkerClient, type WorkerOffer } from './WorkerClient.ts';
