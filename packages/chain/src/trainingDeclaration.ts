import { hashOf } from './hashing.ts';
import { winsLottery } from './lottery.ts';
import { signedBy, signedHex } from './signatures.ts';

/**
 * A training declaration (seed 003's TD): a node says it trained stage `stageId` of model `modelId`,
 * committing to the stage's training secret without revealing it (its signature over the secret), and to
 * the checkpoint it reached. It counts once its hash wins the stake-weighted lottery.
 */
export type TrainingDeclaration = {
  modelId: string;
  /** `<modelId>:<stage>`, as the seed names stages. */
  stageId: string;
  /** The declaring node's Ed25519 public key, hex. */
  publicKey: string;
  /** The node's clock when it drew this ticket (milliseconds): a new timestamp is a new lottery ticket. */
  timestampMs: number;
  /** The stake it draws with, as a decimal string (canonical encodings take no big integers). */
  coinstake: string;
  /** Hex signature, in SECRET_DOMAIN, over the stage's training secret: the commitment. */
  commitment: string;
  /** sha256 of the checkpoint the stage reached. */
  checkpointSha256: string;
  /** Hex signature of everything above, in TD_DOMAIN. */
  signature: string;
};

export type UnsignedDeclaration = Omit<TrainingDeclaration, 'commitment' | 'signature'>;

const TD_DOMAIN = 'proofgrid.pot.training-declaration.v1';
const SECRET_DOMAIN = 'proofgrid.pot.training-secret.v1';

/**
 * A node's commitment to a stage's training secret: its signature over it. Ed25519 is deterministic, so a
 * node computes it once per stage and draws its lottery tickets (`declarationHash`) without signing each.
 */
export function commitToSecret(secret: string, secretKey: Uint8Array): string {
  return signedHex(secret, { domain: SECRET_DOMAIN, secretKey });
}

/** Signs a declaration whose ticket won (its commitment already made). */
export function signDeclaration(
  body: Omit<TrainingDeclaration, 'signature'>,
  secretKey: Uint8Array,
): TrainingDeclaration {
  return { ...body, signature: signedHex(body, { domain: TD_DOMAIN, secretKey }) };
}

/** Commits to a secret and signs the declaration. */
export function declareTraining(
  body: UnsignedDeclaration,
  { secret, secretKey }: { secret: string; secretKey: Uint8Array },
): TrainingDeclaration {
  return signDeclaration({ ...body, commitment: commitToSecret(secret, secretKey) }, secretKey);
}

/** The declaration's lottery ticket: the hash of everything but its signature. */
export function declarationHash(
  declaration: TrainingDeclaration | Omit<TrainingDeclaration, 'signature'>,
): string {
  const { signature: _signature, ...body } = declaration as TrainingDeclaration;
  return hashOf(body);
}

/**
 * Why a declaration does not count, or null when it does: well formed, signed by its key, and winning the
 * lottery at `coinstake` (the network's TD stake; the declaration must claim exactly it).
 */
export function declarationFault(declaration: TrainingDeclaration, coinstake: bigint): string | null {
  const { signature, ...body } = declaration;
  if (!/^[0-9a-f]{64}$/.test(body.publicKey)) return 'its public key is not 32 bytes of hex';
  if (body.stageId.length > 200 || body.modelId.length > 200)
    return 'its model or stage id is longer than 200 characters';
  if (!/^[0-9a-f]{128}$/.test(signature) || !/^[0-9a-f]{128}$/.test(body.commitment))
    return 'its signature or commitment is not 64 bytes of hex';
  if (body.coinstake !== coinstake.toString()) return `it stakes ${body.coinstake}, the network ${coinstake}`;
  if (!Number.isSafeInteger(body.timestampMs) || body.timestampMs < 0)
    return 'its timestamp is not a whole number';
  // The lottery first: a hash is cheap, a signature check is not.
  if (!winsLottery(declarationHash(declaration), coinstake)) return 'its hash does not win the lottery';
  if (!signedBy(body.publicKey, TD_DOMAIN, body, signature)) return 'its signature is not its key’s';
  return null;
}

/** Whether a declaration's commitment is its key's signature over `secret`: it trained the same losses. */
export function commitsTo(declaration: TrainingDeclaration, secret: string): boolean {
  return signedBy(declaration.publicKey, SECRET_DOMAIN, secret, declaration.commitment);
}
