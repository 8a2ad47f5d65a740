import { Type } from '@sinclair/typebox';

const Hex64 = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: '32 bytes as 64 lowercase hex characters',
});

/** A signed transfer, as `proofgrid wallet send` makes it (any field beyond these is refused). */
const TransferBody = Type.Object(
  {
    from: Hex64,
    to: Hex64,
    amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'micro-coins' }),
    fee: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'micro-coins to the wrapper',
    }),
    nonce: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    signature: Type.String({ pattern: '^[0-9a-f]{128}$' }),
  },
  { additionalProperties: false },
);

export const NodeAddressBody = Type.Object({
  node_address: Type.String({ minLength: 1, maxLength: 2048, description: "a node's HTTP URL" }),
  peer_id: Type.Optional(Type.String({ maxLength: 128 })),
  multiaddrs: Type.Optional(Type.Array(Type.String({ maxLength: 512 }), { maxItems: 16 })),
});

export const AddBlockBody = Type.Object({
  hash: Hex64,
  block: Type.Object({}, { additionalProperties: true }),
});

export const Anything = Type.Any();

const Fee = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'micro-coins to the wrapper',
});
const Nonce = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Signature = Type.String({ pattern: '^[0-9a-f]{128}$' });

/** A commitment: a label and a 32-byte hash put on chain (what the hub anchors its receipts with). */
const CommitmentBody = Type.Object(
  {
    kind: Type.Literal('commitment'),
    from: Hex64,
    label: Type.String({ pattern: '^[a-z0-9][a-z0-9._:/-]{0,63}$' }),
    hash: Hex64,
    fee: Fee,
    nonce: Nonce,
    signature: Signature,
  },
  { additionalProperties: false },
);

/** A training job: the TrainingSpec's JSON and the reward escrowed for its stages. */
const JobBody = Type.Object(
  {
    kind: Type.Literal('train-job'),
    from: Hex64,
    spec: Type.String({ minLength: 2, maxLength: 4096 }),
    reward: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    fee: Fee,
    nonce: Nonce,
    signature: Signature,
  },
  { additionalProperties: false },
);

/** Any transaction the chain takes. */
export const TransactionBody = Type.Union([TransferBody, CommitmentBody, JobBody]);
