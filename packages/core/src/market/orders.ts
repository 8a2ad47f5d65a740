import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type CanonicalValue, encodeCanonical } from '../encoding/encodeCanonical.ts';
import { ProofGridError } from '../errors/base.ts';
import { isUuid } from '../ids/isUuid.ts';
import { signCanonical, verifyCanonical } from '../signatures/signatures.ts';
import { CATEGORY_NAME } from './categories.ts';
import { AMOUNT_NANO_MAX } from './units.ts';

/**
 * Market orders (iExec's PoCo orders, adapted to a hub): each is signed by its maker's wallet key, has a
 * volume (tasks it may take part in), tags, restrictions ('' = anyone) and a salt that makes two otherwise
 * equal orders distinct. An order's id is the hash of its canonical encoding.
 */
type OrderBase = {
  /** Tasks this order may take part in. */
  volume: number;
  /** Requirements (`tee`, `gpu`, …): sorted, no repeats. */
  tag: string[];
  /** Any text (hex of 16 random bytes from the CLI): makes the order unique. */
  salt: string;
  /** The maker's wallet public key (hex), the address its hub account linked. */
  signer: string;
};

/** A program's owner sells runs of it at `price` nano-credits per task. */
export type ProgramOrder = OrderBase & {
  kind: 'program';
  program: string;
  price: number;
  pool_restrict: string;
  requester_restrict: string;
};

/** A pool manager offers its workers' capacity at `price` per task, in one category, up to `trust`. */
export type PoolOrder = OrderBase & {
  kind: 'pool';
  pool: string;
  price: number;
  category: string;
  trust: number;
  program_restrict: string;
  requester_restrict: string;
};

/** A requester asks for `volume` runs of a program on its inputs (`inputs_hash`), within maximum prices. */
export type RequestOrder = OrderBase & {
  kind: 'request';
  program: string;
  program_max_price: number;
  /** A pool it insists on, or '' for any. */
  pool: string;
  pool_max_price: number;
  /** The requester's hub account (organization id). */
  requester: string;
  category: string;
  trust: number;
  /** Free text passed to the program's owner and shown on the deal (iExec's params), at most 1 KiB. */
  params: string;
  /** sha256 of the inputs it will bring (see {@link inputsHash}): one input group per task. */
  inputs_hash: string;
};

export type Order = ProgramOrder | PoolOrder | RequestOrder;
export type OrderKind = Order['kind'];
export type SignedOrder<O extends Order = Order> = { order: O; signature: string };

export const ORDER_DOMAIN = 'proofgrid.market.order.v1';
export const ORDER_VOLUME_MAX = 10_000;
export const ORDER_TAGS_MAX = 8;
export const TRUST_MAX = 1_000;
export const PARAMS_LENGTH_MAX = 1_024;
const TAG = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HEX32 = /^[0-9a-f]{64}$/;
const SALT = /^[0-9a-f]{1,64}$/;

export class InvalidOrderError extends ProofGridError {
  override name = 'InvalidOrderError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_ORDER', {
      shortMessage: `The order is invalid: ${reason}.`,
      details:
        'Make orders with the command line (`proofgrid pool publish`, `program publish`, `run`), which signs them.',
    });
  }
}

/** The id of an order: sha256 of its canonical encoding in the order domain (hex). */
export function orderHash(order: Order): string {
  return bytesToHex(sha256(encodeCanonical({ domain: ORDER_DOMAIN, value: order as CanonicalValue })));
}

/** Signs an order with its maker's wallet key (whose public key must be `order.signer`). */
export function signOrder<O extends Order>(order: O, secretKey: Uint8Array): SignedOrder<O> {
  const signature = signCanonical({ secretKey, domain: ORDER_DOMAIN, value: order as CanonicalValue });
  return { order, signature: bytesToHex(signature) };
}

/** Whether the order carries its signer's signature. */
export function orderSignedBySigner({ order, signature }: SignedOrder): boolean {
  if (!HEX32.test(order.signer) || !/^[0-9a-f]{128}$/.test(signature)) return false;
  return verifyCanonical({
    publicKey: hexToBytes(order.signer),
    domain: ORDER_DOMAIN,
    value: order as CanonicalValue,
    signature: hexToBytes(signature),
  });
}

/**
 * The hash a request order names for its inputs: sha256 of the canonical list of its input files (base64,
 * one per task, each what `input upload` takes: a CSV of base64 values, or a Noir program's inputs).
 */
export function inputsHash(files: readonly string[]): string {
  return bytesToHex(sha256(encodeCanonical({ domain: 'proofgrid.market.inputs.v1', value: files })));
}

const KEYS: Record<OrderKind, readonly string[]> = {
  program: [
    'kind',
    'program',
    'price',
    'volume',
    'tag',
    'pool_restrict',
    'requester_restrict',
    'salt',
    'signer',
  ],
  pool: [
    'kind',
    'pool',
    'price',
    'volume',
    'tag',
    'category',
    'trust',
    'program_restrict',
    'requester_restrict',
    'salt',
    'signer',
  ],
  request: [
    'kind',
    'program',
    'program_max_price',
    'pool',
    'pool_max_price',
    'requester',
    'volume',
    'tag',
    'category',
    'trust',
    'params',
    'inputs_hash',
    'salt',
    'signer',
  ],
};

/**
 * Checks a signed order from outside: its shape (no unknown or missing keys), its limits and its signature.
 * Dataset orders are refused until confidential datasets exist.
 *
 * @throws {InvalidOrderError}
 */
export function parseSignedOrder(value: unknown): SignedOrder {
  const outer = record(value, 'the signed order');
  const extra = Object.keys(outer).filter((key) => key !== 'order' && key !== 'signature');
  if (extra.length > 0) fail(`unknown key ${JSON.stringify(extra[0])} beside "order" and "signature"`);
  const order = record(outer.order, '"order"');
  const kind = order.kind;
  if (kind === 'dataset')
    fail('dataset orders come with confidential datasets, which this hub does not have yet');
  if (kind !== 'program' && kind !== 'pool' && kind !== 'request')
    fail(`"kind" must be "program", "pool" or "request" (got ${JSON.stringify(kind)})`);
  const keys = KEYS[kind];
  for (const key of Object.keys(order)) if (!keys.includes(key)) fail(`a ${kind} order has no key "${key}"`);
  for (const key of keys) if (!(key in order)) fail(`a ${kind} order needs "${key}"`);
  integer(order.volume, 'volume', 1, ORDER_VOLUME_MAX);
  const tag = order.tag;
  if (!Array.isArray(tag) || tag.length > ORDER_TAGS_MAX)
    fail(`"tag" must be a list of at most ${ORDER_TAGS_MAX} tags`);
  for (const [i, item] of tag.entries()) {
    if (typeof item !== 'string' || !TAG.test(item)) fail(`tag ${JSON.stringify(item)} must match ${TAG}`);
    if (i > 0 && item <= (tag[i - 1] as string)) fail('"tag" must be sorted with no repeats');
  }
  text(order.salt, 'salt', SALT);
  text(order.signer, 'signer', HEX32);
  if (kind === 'program') {
    uuid(order.program, 'program');
    integer(order.price, 'price', 0, AMOUNT_NANO_MAX);
    restriction(order.pool_restrict, 'pool_restrict');
    restriction(order.requester_restrict, 'requester_restrict');
  } else if (kind === 'pool') {
    uuid(order.pool, 'pool');
    integer(order.price, 'price', 0, AMOUNT_NANO_MAX);
    text(order.category, 'category', CATEGORY_NAME);
    integer(order.trust, 'trust', 1, TRUST_MAX);
    restriction(order.program_restrict, 'program_restrict');
    restriction(order.requester_restrict, 'requester_restrict');
  } else {
    uuid(order.program, 'program');
    integer(order.program_max_price, 'program_max_price', 0, AMOUNT_NANO_MAX);
    restriction(order.pool, 'pool');
    integer(order.pool_max_price, 'pool_max_price', 0, AMOUNT_NANO_MAX);
    uuid(order.requester, 'requester');
    text(order.category, 'category', CATEGORY_NAME);
    integer(order.trust, 'trust', 1, TRUST_MAX);
    if (typeof order.params !== 'string' || order.params.length > PARAMS_LENGTH_MAX)
      fail(`"params" must be text of at most ${PARAMS_LENGTH_MAX} characters`);
    text(order.inputs_hash, 'inputs_hash', HEX32);
  }
  const signature = outer.signature;
  if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature))
    fail('"signature" must be 128 hex digits (an Ed25519 signature)');
  const signed = { order: order as unknown as Order, signature };
  if (!orderSignedBySigner(signed)) fail("its signature is not its signer's signature of it");
  return signed;
}

function fail(reason: string): never {
  throw new InvalidOrderError({ reason });
}
function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}
function integer(value: unknown, name: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    fail(`"${name}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
}
function text(value: unknown, name: string, pattern: RegExp): void {
  if (typeof value !== 'string' || !pattern.test(value))
    fail(`"${name}" must match ${pattern} (got ${JSON.stringify(value)})`);
}
function uuid(value: unknown, name: string): void {
  if (typeof value !== 'string' || !isUuid(value)) fail(`"${name}" must be an id (a UUID)`);
}
function restriction(value: unknown, name: string): void {
  if (value !== '' && (typeof value !== 'string' || !isUuid(value)))
    fail(`"${name}" must be an id (a UUID) or "" for anyone`);
}
