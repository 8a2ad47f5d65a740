/**
 * Every error code a ProofGrid API can answer with. The first ten are seed 004's codes, kept exactly so
 * that its clients work unchanged; the rest follow the same style. The hub maps each to an HTTP status in
 * one table (`hub/src/http/errorStatus.ts`), and a test checks that the README documents every one.
 */
export const ERROR_CODES = [
  'ACCOUNT_NOT_FOUND',
  'PROGRAM_NOT_FOUND',
  'PROGRAM_NAME_TAKEN',
  'INPUT_GROUP_NOT_FOUND',
  'BAD_BASE_64_ENCODING',
  'WRONG_CREDENTIALS',
  'USERNAME_ALREADY_EXISTS',
  'REFRESH_TOKEN_NOT_FOUND',
  'INVALID_TOKEN',
  'INTERNAL_SERVER_ERROR',
  // ProofGrid additions.
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_REQUESTS',
  'ROUTE_NOT_FOUND',
  'INVALID_CSV',
  'INVALID_TAR',
  'INPUT_GROUP_NAME_TAKEN',
  'LEASE_REQUIRED',
  'LEASE_NOT_ACTIVE',
  'PROOF_NOT_FOUND',
  'PROOF_ALREADY_CONFIRMED',
  'WORKER_NOT_FOUND',
  'INVALID_SIGNATURE',
  // Runtime: why a task's run did not produce a result.
  'INVALID_MANIFEST',
  'INVALID_MODULE',
  'FUEL_EXHAUSTED',
  'MEMORY_EXHAUSTED',
  'STACK_EXHAUSTED',
  'OUTPUT_TOO_LARGE',
  'WASM_TRAP',
  'WALL_TIME_EXCEEDED',
  // Runtime noir: compiling, binding inputs, proving and verifying.
  'NOIR_COMPILE_FAILED',
  'INVALID_NOIR_PROGRAM',
  'CIRCUIT_TOO_LARGE',
  'INVALID_NOIR_INPUT',
  'NOIR_EXECUTION_FAILED',
  'PROOF_REJECTED',
  // Tasks and their evidence.
  'SUBMISSION_REJECTED',
  'VERIFIER_UNAVAILABLE',
  'STORAGE_UNAVAILABLE',
  'TASK_STATE_CONFLICT',
  // Runtime train: training stages and their checkpoints.
  'INVALID_TRAINING_SPEC',
  'INVALID_CHECKPOINT',
  'TRAIN_ENVIRONMENT_MISMATCH',
  'CHECKPOINT_UNKNOWN',
  // The PoT network: nodes, their data, wallets and what the chain refuses.
  'INVALID_GENESIS',
  'GENESIS_MISMATCH',
  'NODE_DATA_DIR_IN_USE',
  'NODE_UNREACHABLE',
  'NODE_REQUEST_INVALID',
  'CHAIN_OBJECT_NOT_FOUND',
  'TRANSACTION_REFUSED',
  'BLOCK_REFUSED',
  'WALLET_EXISTS',
  'WALLET_NOT_FOUND',
  'WALLET_PASSPHRASE_WRONG',
  'INSUFFICIENT_BALANCE',
  // The market: credits, orders, deals and receipts.
  'INVALID_ORDER',
  'ORDER_NOT_FOUND',
  'ORDERS_DO_NOT_MATCH',
  'INSUFFICIENT_CREDITS',
  'WALLET_NOT_LINKED',
  'POOL_NOT_FOUND',
  'DEAL_NOT_FOUND',
  'CLAIM_NOT_DUE',
  'FAUCET_UNAVAILABLE',
  'RECEIPT_NOT_FOUND',
  'BRIDGE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
