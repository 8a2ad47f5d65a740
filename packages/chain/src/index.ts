// The Proof-of-Training consensus core (seeds 002 and 003): pure — no network, no disk, no clock.
export { type Account, type Accounts, applyTransfer, mint, type Refusal } from './accounts.ts';
export {
  applyBlock,
  type BlockHeader,
  blockHash,
  type ChainConfig,
  headerFault,
  headerHash,
  headerSelfFault,
  INITIAL_CHECKPOINT,
  type Job,
  nextStage,
  type ParentState,
  type Stage,
  type StageReplay,
  type StakeholderSignature,
  signAsStakeholder,
  signHeader,
  stageIdOf,
  stakeholderSeed,
  stakeholderSigned,
  type WrappedBlock,
  wrapBlock,
} from './block.ts';
export { type AddOutcome, ChainStore, ORPHANS_MAX, POOL_MAX } from './ChainStore.ts';
export { coinbase } from './coinbase.ts';
export {
  COIN,
  DECLARATIONS_MAX,
  JOB_QUEUE_MAX,
  JOB_SPEC_CHARS_MAX,
  JOB_STAGES_MAX,
  MINIMUM_STAKE,
  POT_DEFAULTS,
  STAKEHOLDER_SIGNATURES_MAX,
  TRANSACTIONS_PER_BLOCK_MAX,
} from './constants.ts';
export { followTheCoin } from './followTheCoin.ts';
export { hashOf, sha256Hex, shortId } from './hashing.ts';
export { leadingZeroBits, lotteryBitsRequired, winsLottery } from './lottery.ts';
export { merkleRoot } from './merkle.ts';
export {
  type Clock,
  type LogRecord,
  type Message,
  Participant,
  type Role,
  type StageTrainer,
  type Timing,
  type Transport,
  type Verdict,
  type World,
} from './protocol/Participant.ts';
export { selectTransactions } from './selectTransactions.ts';
export {
  blockShapeFault,
  declarationShapeFault,
  headerShapeFault,
  signatureShapeFault,
  transactionShapeFault,
} from './shape.ts';
export {
  createSimulation,
  SIMULATION_DEFAULTS,
  SIMULATION_LIMITS,
  type Simulation,
  type SimulationOptions,
  type SimulationReport,
  simulate,
} from './simulation/simulate.ts';
export {
  commitsTo,
  commitToSecret,
  declarationFault,
  declarationHash,
  declareTraining,
  signDeclaration,
  type TrainingDeclaration,
  type UnsignedDeclaration,
} from './trainingDeclaration.ts';
export {
  type Commitment,
  type JobSubmission,
  jobSpecOf,
  signTransaction,
  type Transaction,
  type Transfer,
  transactionCost,
  transactionFault,
  transactionHash,
  type UnsignedTransaction,
} from './transaction.ts';
