export { AssertionError, assert } from './assert.ts';
export { decodeBase64, encodeBase64 } from './encoding/base64.ts';
export { CANONICAL_DEPTH_MAX, type CanonicalValue, encodeCanonical } from './encoding/encodeCanonical.ts';
export { ERROR_ACTIONS, type ErrorAction } from './errors/actions.ts';
export { isProofGridError, ProofGridError, type ProofGridErrorParameters } from './errors/base.ts';
export { ERROR_CODES, type ErrorCode } from './errors/codes.ts';
export {
  BadBase64EncodingError,
  type BadBase64EncodingErrorType,
  InvalidCsvError,
  type InvalidCsvErrorType,
  InvalidTarError,
  type InvalidTarErrorType,
  PayloadTooLargeError,
  type PayloadTooLargeErrorType,
} from './errors/errors.ts';
export { isUuid } from './ids/isUuid.ts';
export { encodeInputCsv } from './inputs/encodeInputCsv.ts';
export { inputValue } from './inputs/inputValue.ts';
export { parseInputCsv } from './inputs/parseInputCsv.ts';
export {
  EVIDENCE_REASONS,
  type EvidenceReason,
  JUDGEMENT_CODES,
  JUDGEMENT_WEIGHT,
  type JudgementCode,
  judgementCodesWeighing,
  type Reputation,
} from './judgements/judgements.ts';
export {
  DESCRIPTION_LENGTH_MAX,
  FUEL_PER_TASK_MAX,
  INPUT_CSV_SIZE_BYTES_MAX,
  INPUT_VALUE_SIZE_BYTES_MAX,
  INPUT_VALUES_PER_GROUP_MAX,
  JSON_BODY_SIZE_BYTES_MAX,
  LEASE_TIMEOUT_SECONDS_MAX,
  LEASE_TIMEOUT_SECONDS_MIN,
  LOG_SIZE_BYTES_MAX,
  MEMORY_PAGES_MAX,
  MODULE_SIZE_BYTES_MAX,
  NAME_LENGTH_MAX,
  OUTPUT_SIZE_BYTES_MAX,
  PAGE_LIMIT_MAX,
  PAGE_NUMBER_MAX,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
  PROGRAM_SIZE_BYTES_MAX,
  PROOF_SIZE_BYTES_MAX,
  PUBLIC_INPUTS_MAX,
  REPLICAS_PER_LEASE_MAX,
  SUBMISSIONS_BODY_BYTES_MAX,
  TABLE_ELEMENTS_MAX,
  TAR_ENTRIES_MAX,
  TAR_PATH_BYTES_MAX,
  TAR_PATH_DEPTH_MAX,
  USERNAME_LENGTH_MAX,
  USERNAME_LENGTH_MIN,
  WITNESS_SIZE_BYTES_MAX,
  WITNESS_UNZIPPED_BYTES_MAX,
  ZK_PROOF_SIZE_BYTES_MAX,
} from './limits.ts';
export {
  InvalidManifestError,
  MANIFEST_DEFAULTS,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  type VerificationPolicy,
} from './manifest/parseManifest.ts';
export {
  CATEGORY_NAME,
  CATEGORY_SECONDS_MAX,
  type Category,
  CONTRIBUTION_DEADLINE_FACTOR,
  categoryDeadlines,
  DEFAULT_CATEGORIES,
  FINAL_DEADLINE_FACTOR,
} from './market/categories.ts';
export {
  type CredibilityVerdict,
  decideByCredibility,
  type WeightedResult,
  workerWeight,
} from './market/credibility.ts';
export { type Match, matchOrders, type Remaining } from './market/matchOrders.ts';
export {
  InvalidOrderError,
  inputsHash,
  ORDER_DOMAIN,
  ORDER_TAGS_MAX,
  ORDER_VOLUME_MAX,
  type Order,
  type OrderKind,
  orderHash,
  orderSignedBySigner,
  PARAMS_LENGTH_MAX,
  type PoolOrder,
  type ProgramOrder,
  parseSignedOrder,
  type RequestOrder,
  type SignedOrder,
  signOrder,
  TRUST_MAX,
} from './market/orders.ts';
export {
  type MerkleStep,
  merkleProofHolds,
  merkleProofOf,
  merkleRootOf,
  RECEIPT_DOMAIN,
  type Receipt,
  receiptLeaf,
  receiptSignedByHub,
  type SignedReceipt,
  signReceipt,
} from './market/receiptLog.ts';
export { type RewardSplit, splitReward } from './market/splitReward.ts';
export {
  AMOUNT_NANO_MAX,
  creditsText,
  formatCredits,
  NANO_PER_CREDIT,
  NANO_PER_MICRO_COIN,
  parseCredits,
} from './market/units.ts';
export {
  type KeyPair,
  keyPairFromSeed,
  signCanonical,
  signingMessage,
  verifyCanonical,
} from './signatures/signatures.ts';
export { type ReadTarParameters, readTar, type TarEntry } from './tar/readTar.ts';
export { type TarFile, writeTar } from './tar/writeTar.ts';
export {
  isTaskDone,
  isTaskOpen,
  TASK_EVENTS,
  TASK_STATES,
  type TaskEvent,
  type TaskRefusal,
  type TaskState,
  type TaskTransition,
  transitionTask,
} from './tasks/transitionTask.ts';
export type { Clock } from './time/Clock.ts';
export { formatNaiveDatetime } from './time/formatNaiveDatetime.ts';
export {
  DEFAULT_TRAINING_SPEC,
  type LayerSpec,
  parseTrainingSpec,
  TRAIN_LAYERS_MAX,
  TRAIN_PARAMETERS_MAX,
  TRAIN_SAMPLES_PER_STAGE_MAX,
  TRAIN_STAGES_MAX,
  TRAIN_UNITS_MAX,
  type TrainingSpec,
} from './training/trainingSpec.ts';
export {
  decideReplicaVerdict,
  type ReplicaResult,
  type ReplicaVerdict,
} from './verification/decideReplicaVerdict.ts';
export {
  WORKER_HEADERS,
  WORKER_REGISTRATION_DOMAIN,
  WORKER_REQUEST_DOMAIN,
  WORKER_SIGNATURE_SKEW_MS_MAX,
  workerRegistrationMessage,
  workerRequestMessage,
} from './workers/workerAuth.ts';
