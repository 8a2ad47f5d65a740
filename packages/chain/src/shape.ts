/**
 * Whether a message off the wire has the shape of a chain object — every field present with its type —
 * before any rule reads it: a missing field must be a fault, not a TypeError in the middle of a judgement,
 * and a shaped object always has a canonical encoding (strings and safe integers), hence a hash. Values
 * (hex lengths, ranges) are the rules' business; this checks types, and the length of every list.
 */
import { DECLARATIONS_MAX, STAKEHOLDER_SIGNATURES_MAX, TRANSACTIONS_PER_BLOCK_MAX } from './constants.ts';

type Shape =
  | 'string'
  | 'integer'
  | { array: Shape; max: number }
  | { object: Record<string, Shape> }
  /** An object whose `kind` field (absent: `otherwise`) picks its shape. */
  | { kinds: Record<string, Shape>; otherwise: Shape };

const DECLARATION: Shape = {
  object: {
    modelId: 'string',
    stageId: 'string',
    publicKey: 'string',
    timestampMs: 'integer',
    coinstake: 'string',
    commitment: 'string',
    checkpointSha256: 'string',
    signature: 'string',
  },
};

const HEADER: Shape = {
  object: {
    parentHash: 'string',
    index: 'integer',
    stageId: 'string',
    trainingSecret: 'string',
    checkpointSha256: 'string',
    coinstake: 'string',
    publicKey: 'string',
    timestampMs: 'integer',
    declarations: { array: DECLARATION, max: DECLARATIONS_MAX },
    signature: 'string',
  },
};

const TRANSACTION: Shape = {
  kinds: {
    commitment: {
      object: {
        kind: 'string',
        from: 'string',
        label: 'string',
        hash: 'string',
        fee: 'integer',
        nonce: 'integer',
        signature: 'string',
      },
    },
    'train-job': {
      object: {
        kind: 'string',
        from: 'string',
        spec: 'string',
        reward: 'integer',
        fee: 'integer',
        nonce: 'integer',
        signature: 'string',
      },
    },
  },
  otherwise: {
    object: {
      from: 'string',
      to: 'string',
      amount: 'integer',
      fee: 'integer',
      nonce: 'integer',
      signature: 'string',
    },
  },
};

const SIGNATURE: Shape = { object: { headerHash: 'string', publicKey: 'string', signature: 'string' } };

const BLOCK: Shape = {
  object: {
    header: HEADER,
    coinbase: { object: { to: 'string', amount: 'integer' } },
    transactions: { array: TRANSACTION, max: TRANSACTIONS_PER_BLOCK_MAX },
    transactionsRoot: 'string',
    stakeholderSignatures: { array: SIGNATURE, max: STAKEHOLDER_SIGNATURES_MAX },
    signature: 'string',
  },
};

function fault(value: unknown, shape: Shape, path: string): string | null {
  if (shape === 'string') return typeof value === 'string' ? null : `${path} is not a string`;
  if (shape === 'integer') return Number.isSafeInteger(value) ? null : `${path} is not a whole number`;
  if ('array' in shape) {
    if (!Array.isArray(value)) return `${path} is not a list`;
    // Counted before any item is read: a list of a million costs nothing to refuse.
    if (value.length > shape.max) return `${path} has ${value.length} items, at most ${shape.max} are taken`;
    for (const [i, item] of value.entries()) {
      const inner = fault(item, shape.array, `${path}[${i}]`);
      if (inner !== null) return inner;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} is not an object`;
  if ('kinds' in shape) {
    if (!Object.hasOwn(value, 'kind')) return fault(value, shape.otherwise, path);
    const kind = (value as { kind: unknown }).kind;
    const picked =
      typeof kind === 'string' && Object.hasOwn(shape.kinds, kind) ? shape.kinds[kind] : undefined;
    return picked === undefined
      ? `${path}.kind is not one of ${Object.keys(shape.kinds).join(', ')}`
      : fault(value, picked, path);
  }
  // Exactly its fields: an extra one would change the object's hash, and could hold anything.
  const extra = Object.keys(value).find((key) => !Object.hasOwn(shape.object, key));
  if (extra !== undefined) return `${path} has a field ${JSON.stringify(extra.slice(0, 40))} it should not`;
  for (const [key, inner] of Object.entries(shape.object)) {
    const found = fault((value as Record<string, unknown>)[key], inner, `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}

/** Why `value` is not shaped like a training declaration, or null. */
export function declarationShapeFault(value: unknown): string | null {
  return fault(value, DECLARATION, 'declaration');
}

/** Why `value` is not shaped like a transaction (a transfer, a commitment or a job), or null. */
export function transactionShapeFault(value: unknown): string | null {
  return fault(value, TRANSACTION, 'transaction');
}

/** Why `value` is not shaped like a stakeholder signature, or null. */
export function signatureShapeFault(value: unknown): string | null {
  return fault(value, SIGNATURE, 'signature');
}

/** Why `value` is not shaped like a block header, or null. */
export function headerShapeFault(value: unknown): string | null {
  return fault(value, HEADER, 'header');
}

/** Why `value` is not shaped like a wrapped block, or null. */
export function blockShapeFault(value: unknown): string | null {
  return fault(value, BLOCK, 'block');
}
