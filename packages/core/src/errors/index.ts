// Core's errors and assertions without the rest of core (whose Ed25519 alone takes 30 ms to load): the
// entry point of the processes that only run guests, such as the WebAssembly sandbox, which every worker
// starts and restarts.
export { AssertionError, assert } from '../assert.ts';
export { ERROR_ACTIONS, type ErrorAction } from './actions.ts';
export { isProofGridError, ProofGridError, type ProofGridErrorParameters } from './base.ts';
export { ERROR_CODES, type ErrorCode } from './codes.ts';
