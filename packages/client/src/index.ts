export {
  type InputGroup,
  type ProgramSummary,
  type Progress,
  type RouteId,
  type RouteInput,
  type RouteOutput,
  routes,
  type TaskDetails,
  type TaskSummary,
  type Verdict,
  type Worker,
} from '@proofgrid/api';
// The SDK's value encoders, so that adding inputs needs nothing from the other packages.
export { inputValue } from '@proofgrid/core';
export { HubApiError, isHubError, isRefusal, type TransportErrorCode } from './HubApiError.ts';
export { type CallOptions, type HubApi, HubClient } from './HubClient.ts';
export {
  memoryTokenStore,
  NotLoggedInError,
  OrganizationSession,
  type SessionTokens,
  type TokenStore,
} from './OrganizationSession.ts';
export { Program, type TaskResult } from './Program.ts';
export {
  fetchTransport,
  type HubRequest,
  type HubResponse,
  type Transport,
} from './transport.ts';
export {
  type ReplicaLease,
  type RunSubmission,
  type Signer,
  WorkerClient,
  type WorkerOffer,
} from './WorkerClient.ts';
