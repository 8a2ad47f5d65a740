import { type Accounts, creditInto, mint, transferInto } from './accounts.ts';
import { coinbase } from './coinbase.ts';
import { BLOCK_BYTES_MAX, JOB_QUEUE_MAX } from './constants.ts';
import { followTheCoin } from './followTheCoin.ts';
import { hashOf } from './hashing.ts';
import { winsLottery } from './lottery.ts';
import { merkleRoot } from './merkle.ts';
import { blockShapeFault, headerShapeFault } from './shape.ts';
import { signedBy, signedHex } from './signatures.ts';
import { commitsTo, declarationFault, type TrainingDeclaration } from './trainingDeclaration.ts';
import { jobSpecOf, type Transaction, transactionHash } from './transaction.ts';

/** What a network agrees on before its first block: its stakes, quorums and model. */
export type ChainConfig = {
  modelId: string;
  tdCoinstake: bigint;
  bhCoinstake: bigint;
  employerConfidence: number;
  stakeholders: number;
  /**
   * Micro-coins a key must hold in the parent state for its declaration or header to count: the lottery's
   * stake is a network constant (seed 003), so without this a quorum of declarations would cost nothing
   * but fresh keys.
   */
  minimumStake: number;
};

/**
 * A block header (seed 003's BH): it reveals the stage's training secret and carries the declarations of
 * the nodes that trained it; beyond the seed, it commits to the checkpoint the stage reached.
 */
export type BlockHeader = {
  parentHash: string;
  index: number;
  stageId: string;
  trainingSecret: string;
  checkpointSha256: string;
  coinstake: string;
  publicKey: string;
  timestampMs: number;
  declarations: TrainingDeclaration[];
  signature: string;
};

/** A stakeholder's signature of a header's hash. */
export type StakeholderSignature = { headerHash: string; publicKey: string; signature: string };

/** A block as the last stakeholder wraps it: the header, its reward, the transfers and the signatures. */
export type WrappedBlock = {
  header: BlockHeader;
  coinbase: { to: string; amount: number };
  transactions: Transaction[];
  transactionsRoot: string;
  stakeholderSignatures: StakeholderSignature[];
  /** The wrapper's signature of everything above. */
  signature: string;
};

/** A training job on chain: submitted by a transaction (its hash is the id), trained a stage per block. */
export type Job = {
  id: string;
  submitter: string;
  /** The TrainingSpec's JSON, as submitted. */
  spec: string;
  stages: number;
  /** Micro-coins escrowed at submission, paid stage by stage to the blocks' authors. */
  reward: number;
  paid: number;
  stagesDone: number;
  /** The checkpoint after its last trained stage; null before its first. */
  checkpointSha256: string | null;
  /** The block that submitted it, and the one that trained its last stage. */
  submittedAt: number;
  finishedAt: number | null;
};

/**
 * What a block is judged against: its parent and the state after it. `checkpointSha256` is the network's
 * default model (trained when no job waits) after `defaultStages` stages (absent: one per block, as before
 * any job); `jobs` holds every job submitted and `queue` the unfinished ones, oldest first.
 */
export type ParentState = {
  hash: string;
  index: number;
  accounts: Accounts;
  checkpointSha256: string;
  defaultStages?: number;
  jobs?: ReadonlyMap<string, Job>;
  queue?: readonly string[];
};

/** What a job's first stage starts from: its spec's initial weights, which every node computes itself. */
export const INITIAL_CHECKPOINT = 'initial';

/** The stage a block trains: the next of the oldest queued job, else the next of the default model. */
export type Stage = {
  stageId: string;
  /** The parent checkpoint's sha256, or INITIAL_CHECKPOINT for a job's first stage. */
  parentCheckpointSha256: string;
  /** The job's spec (JSON); absent for the default model (the genesis's). */
  spec?: string;
  jobId?: string;
};

/** A stage re-executed from the parent's checkpoint by the judging node (the `train` runtime). */
export type StageReplay = (stage: Stage) => Promise<{
  trainingSecret: string;
  checkpointSha256: string;
}>;

/** The stage the block after `state` trains. */
export function nextStage(state: ParentState, config: ChainConfig): Stage {
  const jobId = state.queue?.[0];
  const job = jobId === undefined ? undefined : state.jobs?.get(jobId);
  if (job !== undefined)
    return {
      stageId: `${job.id}:${job.stagesDone}`,
      parentCheckpointSha256: job.checkpointSha256 ?? INITIAL_CHECKPOINT,
      spec: job.spec,
      jobId: job.id,
    };
  return {
    stageId: `${config.modelId}:${state.defaultStages ?? state.index}`,
    parentCheckpointSha256: state.checkpointSha256,
  };
}

const HEADER_DOMAIN = 'proofgrid.pot.block-header.v1';
const STAKEHOLDER_DOMAIN = 'proofgrid.pot.stakeholder.v1';
const BLOCK_DOMAIN = 'proofgrid.pot.wrapped-block.v1';

/** The stage block `index` carries: block 1 carries stage 0 (the genesis holds the initial model). */
export function stageIdOf(config: ChainConfig, index: number): string {
  return `${config.modelId}:${index - 1}`;
}

/** A header's hash: its lottery ticket, what stakeholders sign and what children name as parent. */
export function headerHash(header: BlockHeader): string {
  const { signature: _signature, ...body } = header;
  return hashOf(body as never);
}

/**
 * A wrapped block's hash, what its children name as parent: all of it — the header with its signature, the
 * coinbase, every transaction's hash in order, the stakeholders' signatures and the wrapper's. Not the
 * header's alone (a wrapper could wrap one header twice with other transactions: two blocks), and not the
 * Merkle root alone (an odd last leaf paired with itself lets [a, b, c] and [a, b, c, c] share a root).
 */
export function blockHash(block: WrappedBlock): string {
  const { transactions, ...rest } = block;
  return hashOf({ ...rest, transactionHashes: transactions.map(transactionHash) } as never);
}

/**
 * The seed of a block's stakeholder draw: the header's hash, as in seed 003, so that a header whose chosen
 * stakeholders do not answer (offline, or poisoners refusing an honest stage) can be proposed again with a
 * new timestamp and draw others. The cost: an author can also grind timestamps until the draw favours it
 * (about 32/p³ tries with a share p of the coins). Binding the draw to a time slot would bound both; that is
 * for when nodes have clocks (the network issue).
 */
export function stakeholderSeed(header: BlockHeader): string {
  return headerHash(header);
}

export function signHeader(body: Omit<BlockHeader, 'signature'>, secretKey: Uint8Array): BlockHeader {
  return {
    ...body,
    signature: signedHex(body, { domain: HEADER_DOMAIN, secretKey }),
  };
}

export function signAsStakeholder(
  hash: string,
  key: { publicKey: string; secretKey: Uint8Array },
): StakeholderSignature {
  return {
    headerHash: hash,
    publicKey: key.publicKey,
    signature: signedHex(hash, { domain: STAKEHOLDER_DOMAIN, secretKey: key.secretKey }),
  };
}

export function wrapBlock(body: Omit<WrappedBlock, 'signature'>, secretKey: Uint8Array): WrappedBlock {
  return {
    ...body,
    signature: signedHex(body, { domain: BLOCK_DOMAIN, secretKey }),
  };
}

/** Whether a stakeholder signature is its key's over the header hash it names. */
export function stakeholderSigned(signature: StakeholderSignature): boolean {
  return signedBy(signature.publicKey, STAKEHOLDER_DOMAIN, signature.headerHash, signature.signature);
}

/**
 * What is wrong with a header on its own, before its parent is known: its shape (with the size of its
 * declaration list), its stage, stake, lottery and signature. A block whose header fails here is not worth keeping even
 * as an orphan.
 */
export function headerSelfFault(header: BlockHeader, config: ChainConfig): string | null {
  const shape = headerShapeFault(header);
  if (shape !== null) return `it is malformed: ${shape}`;
  const { signature, ...body } = header;
  if (!Number.isSafeInteger(header.index) || header.index < 1)
    return 'its index is not a whole number above 0';
  if (header.stageId.length > 200) return 'its stage id is longer than 200 characters';
  if (header.coinstake !== config.bhCoinstake.toString())
    return `it stakes ${header.coinstake}, the network ${config.bhCoinstake}`;
  if (!winsLottery(headerHash(header), config.bhCoinstake)) return 'its hash does not win the lottery';
  if (!signedBy(header.publicKey, HEADER_DOMAIN, body, signature)) return 'its signature is not its key’s';
  return null;
}

/**
 * Why a header cannot extend `parent`, or null: its place, its signature, its lottery, and at least
 * `employerConfidence` valid declarations from distinct nodes for its stage, each committing to the secret
 * it reveals and to the checkpoint it names.
 */
export function headerFault(header: BlockHeader, parent: ParentState, config: ChainConfig): string | null {
  if (header.parentHash !== parent.hash)
    return `its parent ${header.parentHash.slice(0, 8)} is not ${parent.hash.slice(0, 8)}`;
  if (header.index !== parent.index + 1) return `its index ${header.index} does not follow ${parent.index}`;
  const own = headerSelfFault(header, config);
  if (own !== null) return own;
  const stage = nextStage(parent, config);
  if (header.stageId !== stage.stageId) return `it carries stage ${header.stageId}, not ${stage.stageId}`;
  const staked = (publicKey: string) => (parent.accounts.get(publicKey)?.balance ?? 0) >= config.minimumStake;
  if (!staked(header.publicKey))
    return `its author ${header.publicKey.slice(0, 8)} holds less than the minimum stake (${config.minimumStake} micro-coins)`;
  const nodes = new Set<string>();
  for (const declaration of header.declarations) {
    // Cheap checks first: a repeated node or another model costs no signature check.
    if (nodes.has(declaration.publicKey))
      return `it carries two declarations of ${declaration.publicKey.slice(0, 8)}`;
    if (declaration.modelId !== config.modelId) return `a declaration is for model ${declaration.modelId}`;
    const fault = declarationFault(declaration, config.tdCoinstake);
    if (fault !== null)
      return `a declaration of ${declaration.publicKey.slice(0, 8)} does not count: ${fault}`;
    if (declaration.stageId !== header.stageId) return `a declaration is for stage ${declaration.stageId}`;
    if (declaration.checkpointSha256 !== header.checkpointSha256)
      return 'a declaration names another checkpoint';
    if (!staked(declaration.publicKey))
      return `the declaration of ${declaration.publicKey.slice(0, 8)} does not count: its key holds less than the minimum stake`;
    if (!commitsTo(declaration, header.trainingSecret))
      return `the declaration of ${declaration.publicKey.slice(0, 8)} does not commit to the revealed secret`;
    nodes.add(declaration.publicKey);
  }
  if (!nodes.has(header.publicKey))
    return `its author ${header.publicKey.slice(0, 8)} did not declare the stage: a header is proposed by one of its trainers`;
  if (nodes.size < config.employerConfidence)
    return `it carries declarations of ${nodes.size} distinct nodes, at least ${config.employerConfidence} are needed`;
  return null;
}

/**
 * Judges a wrapped block against its parent's state: its header, the stakeholders follow-the-coin picks
 * (seeded by `stakeholderSeed`; the last one wraps the block, the others sign the header's hash), the
 * coinbase, the transactions' root and each transfer in order, and — re-executed by this node — the stage's
 * secret and checkpoint. Returns the state after it, or why it is refused.
 *
 * The coinbase goes to the header's author, the node whose training won the block (seed 003 pays the
 * wrapper, which leaves the trainers — the miners of a Proof of Training — unpaid); the wrapper takes the
 * fees. A replay that fails (this node cannot re-execute the stage) is thrown, not returned: the block is
 * not judged, since refusing it would blame its authors for this node's fault.
 */
export async function applyBlock(
  block: WrappedBlock,
  parent: ParentState,
  config: ChainConfig,
  replay: StageReplay,
): Promise<{ ok: true; state: ParentState } | { ok: false; reason: string }> {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const shape = blockShapeFault(block);
  if (shape !== null) return refuse(`it is malformed: ${shape}`);
  const bytes = new TextEncoder().encode(JSON.stringify(block)).length;
  if (bytes > BLOCK_BYTES_MAX)
    return refuse(`it is ${bytes} bytes, more than the ${BLOCK_BYTES_MAX} a block may be`);
  const { header } = block;
  const fault = headerFault(header, parent, config);
  if (fault !== null) return refuse(`header: ${fault}`);
  const hash = headerHash(header);
  const chosen = followTheCoin(parent.accounts, stakeholderSeed(header), config.stakeholders);
  const wrapper = chosen.at(-1);
  if (wrapper === undefined) return refuse('no account holds coins to sign it');
  const { signature, ...body } = block;
  if (!signedBy(wrapper, BLOCK_DOMAIN, body, signature))
    return refuse(`it is not wrapped by ${wrapper.slice(0, 8)}, the chosen wrapper`);
  const signers = chosen.slice(0, -1);
  if (block.stakeholderSignatures.length !== signers.length)
    return refuse(
      `it carries ${block.stakeholderSignatures.length} signatures, where it needs valid signatures of the ${signers.length} chosen stakeholders`,
    );
  const valid = new Set(
    block.stakeholderSignatures
      .filter((s) => s.headerHash === hash && signers.includes(s.publicKey) && stakeholderSigned(s))
      .map((s) => s.publicKey),
  );
  if (valid.size !== signers.length)
    return refuse(`it carries ${valid.size} valid signatures of the ${signers.length} chosen stakeholders`);
  if (block.coinbase.to !== header.publicKey || block.coinbase.amount !== coinbase(header.index))
    return refuse(
      `its coinbase is ${block.coinbase.amount} to ${block.coinbase.to.slice(0, 8)}, not ${coinbase(header.index)} to the header's author`,
    );
  if (block.transactionsRoot !== merkleRoot(block.transactions.map(transactionHash)))
    return refuse('its transactions do not match their Merkle root');
  const accounts = new Map(mint(parent.accounts, header.publicKey, block.coinbase.amount));
  const stage = nextStage(parent, config);
  // The stage's job, if any, advances and pays this block's author its share of the reward.
  let jobs = parent.jobs ?? new Map<string, Job>();
  let queue = parent.queue ?? [];
  if (stage.jobId !== undefined) {
    const job = jobs.get(stage.jobId) as Job;
    const last = job.stagesDone + 1 === job.stages;
    const share = last ? job.reward - job.paid : Math.floor(job.reward / job.stages);
    if (share > 0) creditInto(accounts, header.publicKey, share);
    jobs = new Map(jobs).set(job.id, {
      ...job,
      stagesDone: job.stagesDone + 1,
      paid: job.paid + share,
      checkpointSha256: header.checkpointSha256,
      finishedAt: last ? header.index : null,
    });
    if (last) queue = queue.slice(1);
  }
  for (const transaction of block.transactions) {
    const hash = transactionHash(transaction);
    const refusal = transferInto(accounts, transaction, { feeTo: wrapper });
    if (refusal !== null) return refuse(`transaction ${hash.slice(0, 8)}: ${refusal.reason}`);
    if ('kind' in transaction && transaction.kind === 'train-job') {
      if (queue.length >= JOB_QUEUE_MAX)
        return refuse(`transaction ${hash.slice(0, 8)}: the job queue is full (${JOB_QUEUE_MAX} jobs)`);
      const spec = jobSpecOf(transaction.spec);
      if (!spec.ok) return refuse(`transaction ${hash.slice(0, 8)}: ${spec.reason}`);
      jobs = new Map(jobs).set(hash, {
        id: hash,
        submitter: transaction.from,
        spec: transaction.spec,
        stages: spec.stages,
        reward: transaction.reward,
        paid: 0,
        stagesDone: 0,
        checkpointSha256: null,
        submittedAt: header.index,
        finishedAt: null,
      });
      queue = [...queue, hash];
    }
  }
  const replayed = await replay(stage);
  if (
    replayed.trainingSecret !== header.trainingSecret ||
    replayed.checkpointSha256 !== header.checkpointSha256
  )
    return refuse('re-executing its stage from the parent checkpoint gives another secret or checkpoint');
  const defaultStages = parent.defaultStages ?? parent.index;
  return {
    ok: true,
    state: {
      hash: blockHash(block),
      index: header.index,
      accounts,
      checkpointSha256: stage.jobId === undefined ? header.checkpointSha256 : parent.checkpointSha256,
      defaultStages: stage.jobId === undefined ? defaultStages + 1 : defaultStages,
      jobs,
      queue,
    },
  };
}
