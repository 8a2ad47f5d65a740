import {
  type BlockHeader,
  blockHash,
  type ChainConfig,
  type Stage as ChainStage,
  headerFault,
  headerHash,
  nextStage,
  type ParentState,
  type StakeholderSignature,
  signAsStakeholder,
  signHeader,
  stakeholderSeed,
  stakeholderSigned,
  type WrappedBlock,
  wrapBlock,
} from '../block.ts';
import { ChainStore } from '../ChainStore.ts';
import { coinbase } from '../coinbase.ts';
import { COIN, DECLARATIONS_MAX } from '../constants.ts';
import { followTheCoin } from '../followTheCoin.ts';
import { hashOf, shortId } from '../hashing.ts';
import { winsLottery } from '../lottery.ts';
import { merkleRoot } from '../merkle.ts';
import { selectTransactions } from '../selectTransactions.ts';
import {
  blockShapeFault,
  declarationShapeFault,
  headerShapeFault,
  signatureShapeFault,
  transactionShapeFault,
} from '../shape.ts';
import {
  commitsTo,
  commitToSecret,
  declarationFault,
  declarationHash,
  signDeclaration,
  type TrainingDeclaration,
} from '../trainingDeclaration.ts';
import { signTransaction, type Transaction, transactionCost, transactionHash } from '../transaction.ts';

/**
 * Who a participant is. Honest nodes train and judge; poisoners train on flipped labels, vouch only for
 * their own kind and refuse to sign anyone else's header; users (the seed's transaction issuers) train
 * nothing but hold coins, so they judge blocks and sign or wrap them when follow-the-coin draws them.
 */
export type Role = 'honest' | 'poisoner' | 'user';

/** A stage trained (or re-executed) from a parent checkpoint: the `train` runtime, injected. */
export type StageTrainer = (
  stage: ChainStage & { poisoned: boolean },
) => Promise<{ trainingSecret: string; checkpointSha256: string }>;

/** The seed's two levels: INFO is what the network sees, DEBUG what only the node knows. */
export type LogRecord = {
  timeMs: number;
  name: string;
  level: 'INFO' | 'DEBUG' | 'WARNING';
  message: string;
};

/** The protocol's clocks, in simulated milliseconds. */
export type Timing = {
  /** One lottery ticket (TD or header) per try, as the seed draws one a second. */
  tryIntervalMs: number;
  /** How long training one stage takes. */
  stageTimeMs: number;
  /** A header whose block has not come by then is given up: its author draws a new one (new stakeholders). */
  headerTimeoutMs: number;
  /** Every participant announces its tip (and repeats its declaration) this often; peers behind ask for blocks. */
  statusIntervalMs: number;
};

export type Message =
  | { type: 'transaction'; transaction: Transaction }
  | { type: 'declaration'; declaration: TrainingDeclaration }
  | { type: 'header'; header: BlockHeader }
  | { type: 'signature'; signature: StakeholderSignature }
  | { type: 'block'; block: WrappedBlock }
  | { type: 'status'; tipHash: string; index: number }
  | { type: 'getBlock'; hash: string };

/**
 * Time as a participant sees it: the simulator's event queue, or a real node's wall clock and timers. The
 * participant never reads a clock or sets a timer any other way, so the same code runs in both.
 */
export type Clock = { readonly now: number; after(delayMs: number, run: () => unknown): void };

/**
 * How a participant reaches the others: the simulated network, or a real node's gossip (broadcast) and
 * request-response (send) over libp2p. Peers are named by strings (a participant's name, a peer id).
 */
export type Transport<M> = {
  broadcast(from: string, message: M): void;
  send(from: string, to: string, message: M): void;
};

/**
 * What a participant made of a peer's message: `accept` (valid: relay it), `ignore` (not worth relaying —
 * known, late, or not judged by this node's own fault) or `reject` (invalid: the sender is to blame).
 */
export type Verdict = { verdict: 'accept' } | { verdict: 'ignore' } | { verdict: 'reject'; reason: string };

/** What every participant of one network shares: the clock, the network, the rules, the trainer. */
export type World = {
  clock: Clock;
  network: Transport<Message>;
  config: ChainConfig;
  timing: Timing;
  trainer: StageTrainer;
  genesis: ParentState;
  targetLength: number;
  log: (record: LogRecord) => void;
  nameOf: (publicKey: string) => string;
  /** Told of every block this participant accepts (a real node writes it to disk). */
  onAccepted?: (block: WrappedBlock) => void;
  /** Told of every transaction this participant pools (a real node writes it to disk). */
  onPooled?: (transaction: Transaction) => void;
};

const ACCEPT: Verdict = { verdict: 'accept' };
const IGNORE: Verdict = { verdict: 'ignore' };
const reject = (reason: string): Verdict => ({ verdict: 'reject', reason });

type Stage = {
  parentHash: string;
  index: number;
  stageId: string;
  trained?: { trainingSecret: string; checkpointSha256: string; commitment: string };
  declaration?: TrainingDeclaration;
  /** Declarations matching this node's own training, one per node. */
  matching: Map<string, TrainingDeclaration>;
  proposing: boolean;
  /** Another's header for this stage is out: wait this long for its block before drawing one's own. */
  waitUntilMs: number;
};

type Wrap = {
  header: BlockHeader;
  parent: ParentState;
  signers: string[];
  signatures: Map<string, StakeholderSignature>;
};

/** Why a message from a peer is not shaped as its type says, or null. */
function messageShapeFault(message: Message): string | null {
  if (typeof message !== 'object' || message === null) return 'it is not an object';
  switch (message.type) {
    case 'transaction':
      return transactionShapeFault(message.transaction);
    case 'declaration':
      return declarationShapeFault(message.declaration);
    case 'header':
      return headerShapeFault(message.header);
    case 'signature':
      return signatureShapeFault(message.signature);
    case 'block':
      return blockShapeFault(message.block);
    case 'status':
      return typeof message.tipHash === 'string' && Number.isSafeInteger(message.index)
        ? null
        : 'a status names a hash and a whole-number height';
    case 'getBlock':
      return typeof message.hash === 'string' ? null : 'a request names a block hash';
    default:
      return 'its type is unknown';
  }
}

/** Signatures kept for headers not seen yet, at most: a peer cannot fill memory with them. */
const EARLY_SIGNATURES_MAX = 256;
/** Declarations kept per stage, at most. */
const DECLARATIONS_PER_STAGE_MAX = 1024;
/** Message ids remembered (to relay and judge each once), at most; the oldest are forgotten first. */
const SEEN_MAX = 65_536;

/**
 * One participant of seed 003's protocol on the simulated network: it keeps its own chain (a ChainStore
 * that re-executes every stage), and — by its role — trains, declares, proposes headers, signs as a
 * stakeholder and wraps blocks. Everything it does is a reaction to a message or to one of its own timers;
 * a crash loses everything but its keys.
 */
export class Participant {
  readonly name: string;
  readonly role: Role;
  readonly publicKey: string;
  readonly #secretKey: Uint8Array;
  readonly #world: World;
  up = true;
  #epoch = 0;
  #store: ChainStore;
  #seen = new Set<string>();
  #declarations = new Map<string, TrainingDeclaration[]>();
  #stage: Stage | null = null;
  #wraps = new Map<string, Wrap>();
  #earlySignatures: StakeholderSignature[] = [];
  #lastNonce = 0;

  constructor({
    name,
    role,
    key,
    world,
  }: { name: string; role: Role; key: { publicKey: string; secretKey: Uint8Array }; world: World }) {
    this.name = name;
    this.role = role;
    this.publicKey = key.publicKey;
    this.#secretKey = key.secretKey;
    this.#world = world;
    this.#store = this.#newStore();
  }

  get chain(): ChainStore {
    return this.#store;
  }

  start(): void {
    this.#every(this.#world.timing.statusIntervalMs, () => this.#announce());
    this.#onTip();
  }

  /** Stops dead: timers die, messages to it are lost, and everything but its keys is forgotten. */
  crash(): void {
    this.up = false;
    this.#epoch += 1;
    this.#info('crashes');
  }

  /** Comes back with an empty memory and catches up from its peers (status, then the blocks it lacks). */
  restart(): void {
    this.up = true;
    this.#epoch += 1;
    this.#store = this.#newStore();
    this.#seen = new Set();
    this.#declarations = new Map();
    this.#stage = null;
    this.#wraps = new Map();
    this.#earlySignatures = [];
    this.#info('restarts with nothing but its keys');
    this.start();
    this.#announce();
  }

  /** Judges (and acts on) a peer's message; the verdict says whether to relay it and whom to blame. */
  async deliver(message: Message, from: string): Promise<Verdict> {
    // Whatever a peer sends is checked for shape here, once, before any handler reads a field.
    const shape = messageShapeFault(message);
    if (shape !== null) {
      this.#debug(`drops a malformed message from ${from}: ${shape}`);
      return reject(`it is malformed: ${shape}`);
    }
    switch (message.type) {
      case 'transaction':
        return this.#receiveTransaction(message.transaction);
      case 'declaration':
        return this.#receiveDeclaration(message.declaration);
      case 'header':
        return this.#receiveHeader(message.header, from);
      case 'signature':
        return this.#receiveSignature(message.signature);
      case 'block':
        return this.#receiveBlock(message.block, from);
      case 'status':
        if (message.index >= this.#store.tip.index && this.#store.stateOf(message.tipHash) === undefined)
          this.#world.network.send(this.name, from, { type: 'getBlock', hash: message.tipHash });
        return IGNORE;
      case 'getBlock': {
        const block = this.#store.block(message.hash);
        if (block !== undefined) this.#world.network.send(this.name, from, { type: 'block', block });
        return IGNORE;
      }
    }
  }

  /**
   * A user's transfer of `amount` micro-coins to `to`, if its balance at its tip, less what it has in the
   * pool, covers it (a wallet does not sign what it cannot pay). Returns the transaction or null.
   */
  transfer(to: string, amount: number): Transaction | null {
    const account = this.#store.tip.accounts.get(this.publicKey) ?? { balance: 0, nonce: 0 };
    const pending = this.#store.pool().filter((t) => t.from === this.publicKey);
    const spendable = account.balance - pending.reduce((sum, t) => sum + transactionCost(t), 0);
    if (amount > spendable) {
      this.#debug(`cannot pay ${amount / COIN} coins (it can spend ${spendable / COIN})`);
      return null;
    }
    this.#lastNonce = Math.max(this.#lastNonce, account.nonce, ...pending.map((t) => t.nonce)) + 1;
    const transaction = signTransaction(
      { from: this.publicKey, to, amount, fee: 0, nonce: this.#lastNonce },
      this.#secretKey,
    );
    this.#info(
      `issues TX ${shortId(transactionHash(transaction))}: ${amount / COIN} coins to ${this.#world.nameOf(to)} (nonce ${this.#lastNonce})`,
    );
    this.#receiveTransaction(transaction);
    return transaction;
  }

  /**
   * A transaction handed to this node by its own client (a wallet through the API): pooled and gossiped, or
   * why not (a nonce used already, a bad signature, a full pool).
   */
  submitTransaction(transaction: Transaction): { ok: true } | { ok: false; reason: string } {
    const pooled = this.#store.poolTransaction(transaction);
    if (!pooled.ok) return { ok: false, reason: pooled.reason };
    this.#remember(`tx:${transactionHash(transaction)}`);
    this.#world.onPooled?.(transaction);
    this.#world.network.broadcast(this.name, { type: 'transaction', transaction });
    return { ok: true };
  }

  #newStore(): ChainStore {
    const { genesis, config, trainer } = this.#world;
    const poisoned = this.role === 'poisoner';
    return new ChainStore({
      genesis,
      config,
      replay: (stage) => trainer({ ...stage, poisoned }),
      // Every block the store keeps, those it takes from its orphans too.
      ...(this.#world.onAccepted === undefined ? {} : { onAccepted: this.#world.onAccepted }),
    });
  }

  // --- the chain moves: train the next stage -------------------------------------------------------

  #onTip(): void {
    const tip = this.#store.tip;
    if (this.role === 'user' || tip.index >= this.#world.targetLength) {
      this.#stage = null;
      return;
    }
    if (this.#stage?.parentHash === tip.hash) return;
    const next = nextStage(tip, this.#world.config);
    const { stageId } = next;
    // Declarations of other stages are of no use now (a peer repeats its own every status round).
    for (const known of this.#declarations.keys()) if (known !== stageId) this.#declarations.delete(known);
    const stage: Stage = {
      parentHash: tip.hash,
      index: tip.index + 1,
      stageId,
      matching: new Map(),
      proposing: false,
      waitUntilMs: 0,
    };
    this.#stage = stage;
    this.#debug(`trains stage ${stageId} from checkpoint ${shortId(next.parentCheckpointSha256)}`);
    this.#later(this.#world.timing.stageTimeMs, async () => {
      if (this.#stage !== stage) return;
      let trained: Awaited<ReturnType<StageTrainer>>;
      try {
        // The store's re-execution: the node trains a stage once, and judges its blocks with that result.
        trained = await this.#store.reexecute(next);
      } catch (error) {
        this.#warn(
          `cannot train stage ${stageId}: ${(error as Error).message}; it mines nothing on this tip`,
        );
        return;
      }
      if (this.#stage !== stage) return;
      stage.trained = { ...trained, commitment: commitToSecret(trained.trainingSecret, this.#secretKey) };
      this.#debug(
        `trained stage ${stageId}${this.role === 'poisoner' ? ' on flipped labels' : ''}: secret ${shortId(trained.trainingSecret)}, checkpoint ${shortId(trained.checkpointSha256)}`,
      );
      for (const declaration of this.#declarations.get(stageId) ?? []) this.#match(stage, declaration);
      this.#drawDeclaration(stage);
    });
  }

  /** One TD ticket per try until one wins the lottery (seed 003, step 3). */
  #drawDeclaration(stage: Stage): void {
    const { trained } = stage;
    if (this.#stage !== stage || trained === undefined) return;
    const { config } = this.#world;
    const body = {
      modelId: config.modelId,
      stageId: stage.stageId,
      publicKey: this.publicKey,
      timestampMs: this.#world.clock.now,
      coinstake: config.tdCoinstake.toString(),
      commitment: trained.commitment,
      checkpointSha256: trained.checkpointSha256,
    };
    if (!winsLottery(declarationHash(body), config.tdCoinstake)) {
      this.#later(this.#world.timing.tryIntervalMs, () => this.#drawDeclaration(stage));
      return;
    }
    const declaration = signDeclaration(body, this.#secretKey);
    stage.declaration = declaration;
    this.#info(`broadcasts TD ${shortId(declarationHash(declaration))} for stage ${stage.stageId}`);
    this.#receiveDeclaration(declaration);
  }

  #receiveDeclaration(declaration: TrainingDeclaration): Verdict {
    const hash = declarationHash(declaration);
    const id = `td:${hash}`;
    if (this.#seen.has(id)) return IGNORE;
    this.#remember(id);
    const fault =
      declaration.modelId !== this.#world.config.modelId
        ? 'another model'
        : declarationFault(declaration, this.#world.config.tdCoinstake);
    if (fault !== null) {
      this.#debug(`drops TD ${shortId(hash)}: ${fault}`);
      return reject(`declaration: ${fault}`);
    }
    this.#world.network.broadcast(this.name, { type: 'declaration', declaration });
    const known = this.#declarations.get(declaration.stageId) ?? [];
    if (known.length >= DECLARATIONS_PER_STAGE_MAX) return ACCEPT;
    known.push(declaration);
    this.#declarations.set(declaration.stageId, known);
    const stage = this.#stage;
    if (stage !== null && stage.stageId === declaration.stageId) this.#match(stage, declaration);
    return ACCEPT;
  }

  /** Counts a declaration that commits to this node's own secret; with enough, draws headers (step 4–5). */
  #match(stage: Stage, declaration: TrainingDeclaration): void {
    const { trained } = stage;
    if (trained === undefined || stage.matching.has(declaration.publicKey)) return;
    if (declaration.stageId !== stage.stageId) return;
    if (declaration.checkpointSha256 !== trained.checkpointSha256) return;
    if (!this.#staked(stage, declaration.publicKey)) return;
    if (!commitsTo(declaration, trained.trainingSecret)) return;
    stage.matching.set(declaration.publicKey, declaration);
    const { employerConfidence } = this.#world.config;
    // A header is proposed by one of its trainers: this node's own declaration must be among them.
    if (
      !stage.proposing &&
      stage.matching.size >= employerConfidence &&
      stage.matching.has(this.publicKey) &&
      this.#staked(stage, this.publicKey)
    ) {
      stage.proposing = true;
      this.#debug(`holds ${stage.matching.size} matching TDs for ${stage.stageId}: draws header tickets`);
      this.#drawHeader(stage);
    }
  }

  /** Whether `publicKey` holds the minimum stake at the stage's parent (else its TD or header does not count). */
  #staked(stage: Stage, publicKey: string): boolean {
    const balance = this.#store.stateOf(stage.parentHash)?.accounts.get(publicKey)?.balance ?? 0;
    return balance >= this.#world.config.minimumStake;
  }

  #drawHeader(stage: Stage): void {
    const { trained } = stage;
    if (this.#stage !== stage || trained === undefined) return;
    const { clock, config, timing } = this.#world;
    if (clock.now < stage.waitUntilMs) {
      this.#later(stage.waitUntilMs - clock.now, () => this.#drawHeader(stage));
      return;
    }
    const declarations = [...stage.matching.values()]
      .sort((a, b) => (a.publicKey < b.publicKey ? -1 : 1))
      .slice(0, DECLARATIONS_MAX);
    const body = {
      parentHash: stage.parentHash,
      index: stage.index,
      stageId: stage.stageId,
      trainingSecret: trained.trainingSecret,
      checkpointSha256: trained.checkpointSha256,
      coinstake: config.bhCoinstake.toString(),
      publicKey: this.publicKey,
      timestampMs: clock.now,
      declarations,
    };
    if (!winsLottery(hashOf(body as never), config.bhCoinstake)) {
      this.#later(timing.tryIntervalMs, () => this.#drawHeader(stage));
      return;
    }
    const header = signHeader(body, this.#secretKey);
    this.#info(
      `broadcasts BH ${shortId(headerHash(header))} #${header.index} with ${declarations.length} TDs`,
    );
    stage.waitUntilMs = clock.now + timing.headerTimeoutMs;
    this.#later(timing.headerTimeoutMs, () => {
      if (this.#stage !== stage) return;
      this.#debug(`no block for BH ${shortId(headerHash(header))} yet: draws another header`);
      this.#drawHeader(stage);
    });
    // Judged like anyone's header, as an event of its own (its re-execution is awaited there).
    this.#later(0, () => this.#receiveHeader(header, this.name));
  }

  // --- headers: stakeholders judge, sign, wrap ----------------------------------------------------

  async #receiveHeader(header: BlockHeader, from: string): Promise<Verdict> {
    const hash = headerHash(header);
    const id = `bh:${hash}`;
    if (this.#seen.has(id)) return IGNORE;
    const parent = this.#store.stateOf(header.parentHash);
    // Only a header on this node's tip is worth judging now; a later copy may find the tip moved to it.
    if (parent === undefined || parent.hash !== this.#store.tip.hash) return IGNORE;
    this.#remember(id);
    const fault = headerFault(header, parent, this.#world.config);
    if (fault !== null) {
      this.#info(`refuses BH ${shortId(hash)} from ${from}: ${fault}`);
      return reject(`header: ${fault}`);
    }
    // A node vouches (relays, signs) only for training it re-executed: the stage from the parent's checkpoint.
    const epoch = this.#epoch;
    let replayed: Awaited<ReturnType<StageTrainer>>;
    try {
      replayed = await this.#store.reexecute(nextStage(parent, this.#world.config));
    } catch (error) {
      this.#warn(`cannot judge BH ${shortId(hash)}: ${(error as Error).message}`);
      this.#seen.delete(id);
      return IGNORE;
    }
    if (epoch !== this.#epoch) return IGNORE;
    if (
      replayed.trainingSecret !== header.trainingSecret ||
      replayed.checkpointSha256 !== header.checkpointSha256
    ) {
      this.#info(
        `refuses BH ${shortId(hash)} from ${from}: its stage does not re-execute to the secret and checkpoint it reveals`,
      );
      return reject('header: its stage does not re-execute to the secret and checkpoint it reveals');
    }
    this.#world.network.broadcast(this.name, { type: 'header', header });
    // Another's header for this stage: give its block time before drawing one's own.
    const stage = this.#stage;
    if (stage !== null && stage.parentHash === parent.hash && header.publicKey !== this.publicKey)
      stage.waitUntilMs = Math.max(
        stage.waitUntilMs,
        this.#world.clock.now + this.#world.timing.headerTimeoutMs,
      );
    const chosen = followTheCoin(parent.accounts, stakeholderSeed(header), this.#world.config.stakeholders);
    const place = chosen.indexOf(this.publicKey);
    if (place === -1) return ACCEPT;
    if (place < chosen.length - 1) {
      const signature = signAsStakeholder(hash, { publicKey: this.publicKey, secretKey: this.#secretKey });
      this.#info(`signs BH ${shortId(hash)} as stakeholder ${place + 1} of ${chosen.length}`);
      this.#world.network.broadcast(this.name, { type: 'signature', signature });
      return ACCEPT;
    }
    this.#debug(`is the wrapper of BH ${shortId(hash)}: waits for ${chosen.length - 1} signatures`);
    const wrap: Wrap = { header, parent, signers: chosen.slice(0, -1), signatures: new Map() };
    this.#wraps.set(hash, wrap);
    for (const signature of this.#earlySignatures.filter((s) => s.headerHash === hash))
      this.#addSignature(wrap, signature);
    await this.#tryWrap(hash);
    return ACCEPT;
  }

  async #receiveSignature(signature: StakeholderSignature): Promise<Verdict> {
    const hash = hashOf(signature);
    const id = `sig:${hash}`;
    if (this.#seen.has(id)) return IGNORE;
    this.#remember(id);
    if (!stakeholderSigned(signature)) {
      this.#debug(`drops a stakeholder signature that is not its key's`);
      return reject("signature: it is not its key's");
    }
    this.#world.network.broadcast(this.name, { type: 'signature', signature });
    const wrap = this.#wraps.get(signature.headerHash);
    if (wrap === undefined) {
      if (this.#earlySignatures.length >= EARLY_SIGNATURES_MAX) this.#earlySignatures.shift();
      this.#earlySignatures.push(signature);
      return ACCEPT;
    }
    this.#addSignature(wrap, signature);
    await this.#tryWrap(signature.headerHash);
    return ACCEPT;
  }

  #addSignature(wrap: Wrap, signature: StakeholderSignature): void {
    if (wrap.signers.includes(signature.publicKey)) wrap.signatures.set(signature.publicKey, signature);
  }

  /** Step 6: with every chosen signature, the wrapper builds the block, keeps it and broadcasts it. */
  async #tryWrap(hash: string): Promise<void> {
    const wrap = this.#wraps.get(hash);
    if (wrap === undefined || wrap.signatures.size < wrap.signers.length) return;
    this.#wraps.delete(hash);
    if (wrap.parent.hash !== this.#store.tip.hash) return;
    const transactions = selectTransactions(this.#store.pool(), wrap.parent.accounts, {
      feeTo: this.publicKey,
      jobsQueued: wrap.parent.queue?.length ?? 0,
    });
    const block = wrapBlock(
      {
        header: wrap.header,
        coinbase: { to: wrap.header.publicKey, amount: coinbase(wrap.header.index) },
        transactions,
        transactionsRoot: merkleRoot(transactions.map(transactionHash)),
        stakeholderSignatures: wrap.signers.map(
          (signer) => wrap.signatures.get(signer) as StakeholderSignature,
        ),
      },
      this.#secretKey,
    );
    this.#info(
      `wraps block #${wrap.header.index} ${shortId(blockHash(block))} with ${transactions.length} transactions`,
    );
    await this.#receiveBlock(block, this.name);
  }

  // --- blocks and transactions --------------------------------------------------------------------

  async #receiveBlock(block: WrappedBlock, from: string): Promise<Verdict> {
    const hash = blockHash(block);
    const id = `block:${hash}`;
    if (this.#seen.has(id)) return IGNORE;
    const epoch = this.#epoch;
    const result = await this.#store.add(block);
    if (epoch !== this.#epoch) return IGNORE;
    // Judged once: a block many peers relay is logged (and relayed) once. An orphan is not judged yet, nor
    // is a block this node could not re-execute (a later copy may find it able).
    if (result.outcome !== 'orphan' && result.outcome !== 'unjudged') this.#remember(id);
    const label = `block #${block.header.index} ${shortId(result.hash)}`;
    switch (result.outcome) {
      case 'accepted':
        this.#world.network.broadcast(this.name, { type: 'block', block });
        if (result.tipChanged) {
          const tip = this.#store.tip;
          this.#info(`accepts ${label}; tip #${tip.index} ${shortId(tip.hash)}`);
          this.#onTip();
        } else this.#debug(`accepts ${label} on a side branch`);
        return ACCEPT;
      case 'orphan':
        this.#debug(`holds orphan ${label}: asks ${from} for ${shortId(result.missingParent)}`);
        if (from !== this.name)
          this.#world.network.send(this.name, from, { type: 'getBlock', hash: result.missingParent });
        return IGNORE;
      case 'refused':
        this.#info(`refuses ${label} from ${from}: ${result.reason}`);
        return reject(`block: ${result.reason}`);
      case 'dropped':
        this.#debug(`drops ${label} from ${from}: ${result.reason}`);
        return reject(`block: ${result.reason}`);
      case 'unjudged':
        this.#warn(`cannot judge ${label}: ${result.reason}`);
        return IGNORE;
      case 'known':
        return IGNORE;
    }
  }

  #receiveTransaction(transaction: Transaction): Verdict {
    const hash = transactionHash(transaction);
    const id = `tx:${hash}`;
    if (this.#seen.has(id)) return IGNORE;
    const pooled = this.#store.poolTransaction(transaction);
    // An invalid transfer stays invalid; a late or known one may be worth hearing again.
    if (pooled.ok || pooled.invalid) this.#remember(id);
    if (!pooled.ok) return pooled.invalid ? reject(`transaction: ${pooled.reason}`) : IGNORE;
    this.#world.onPooled?.(transaction);
    this.#world.network.broadcast(this.name, { type: 'transaction', transaction });
    return ACCEPT;
  }

  /** Status for peers that are behind, and this node's declaration again for those that lost it. */
  #announce(): void {
    const tip = this.#store.tip;
    this.#world.network.broadcast(this.name, { type: 'status', tipHash: tip.hash, index: tip.index });
    const declaration = this.#stage?.declaration;
    if (declaration !== undefined)
      this.#world.network.broadcast(this.name, { type: 'declaration', declaration });
  }

  #remember(id: string): void {
    if (this.#seen.size >= SEEN_MAX) this.#seen.delete(this.#seen.values().next().value ?? '');
    this.#seen.add(id);
  }

  // --- timers and logs ----------------------------------------------------------------------------

  /** Runs `run` after `delayMs` unless this participant crashed or restarted meanwhile. */
  #later(delayMs: number, run: () => unknown): void {
    const epoch = this.#epoch;
    this.#world.clock.after(delayMs, () => (epoch === this.#epoch && this.up ? run() : undefined));
  }

  #every(periodMs: number, run: () => void): void {
    this.#later(periodMs, () => {
      run();
      this.#every(periodMs, run);
    });
  }

  #info(message: string): void {
    this.#world.log({ timeMs: this.#world.clock.now, name: this.name, level: 'INFO', message });
  }

  #warn(message: string): void {
    this.#world.log({ timeMs: this.#world.clock.now, name: this.name, level: 'WARNING', message });
  }

  #debug(message: string): void {
    this.#world.log({ timeMs: this.#world.clock.now, name: this.name, level: 'DEBUG', message });
  }
}
