import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  blockHash,
  COIN,
  type Job,
  type Transaction,
  transactionHash,
  type WrappedBlock,
} from '@proofgrid/chain';
import { isProofGridError } from '@proofgrid/core';
import { encodeCheckpoint } from '@proofgrid/runtime/train';
import { Type } from '@sinclair/typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { ChainNode } from '../ChainNode.ts';
import { registerWith } from '../registerWith.ts';
import { fail, ok } from './envelope.ts';
import { AddBlockBody, NodeAddressBody, TransactionBody } from './schemas.ts';

/** A request body, at most: a block with 1,000 transfers is about 400 KB. */
const BODY_BYTES_MAX = 2 * 1024 * 1024;
/** Blocks one explorer page lists, at most. */
const BLOCKS_PAGE_MAX = 100;

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });

/**
 * The node's HTTP API: CurveTime's node endpoints and envelope (`{code, msg, data}`, under `/node/`, with
 * `/register_with` and `/register_node` also at the root as its README calls them), the explorer, the
 * health check, Prometheus metrics and the OpenAPI document.
 */
export async function buildNodeApp(node: ChainNode): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_BYTES_MAX,
    routerOptions: { maxParamLength: 128 },
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (isProofGridError(error)) {
      const status =
        error.code === 'CHAIN_OBJECT_NOT_FOUND'
          ? 404
          : error.code === 'NODE_UNREACHABLE'
            ? 502
            : error.code === 'GENESIS_MISMATCH'
              ? 409
              : 400;
      return fail(reply, status, error.code, error.message);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return fail(
        reply,
        status,
        'NODE_REQUEST_INVALID',
        `The request is invalid: ${error.message}. Fix it and send it again.`,
      );
    return fail(reply, 500, 'INTERNAL', 'The node failed on this request; its log says why.');
  });
  app.setNotFoundHandler((request, reply) =>
    fail(
      reply,
      404,
      'NODE_REQUEST_INVALID',
      `No route ${request.method} ${request.url.split('?')[0]}: see /openapi.json for the node's routes.`,
    ),
  );
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ProofGrid Proof-of-Training node',
        version: '0.1.0',
        description:
          "CurveTime's node API (envelope {code, msg, data}; code 10000: no transactions to mine) and ProofGrid's explorer, health and metrics.",
      },
    },
  });
  const { participant } = node;
  const chain = () => participant.chain;

  const registerNode = async (body: {
    node_address: string;
    peer_id?: string | undefined;
    multiaddrs?: string[] | undefined;
  }) => {
    if (body.peer_id !== undefined)
      await node.addPeer({ url: body.node_address, peerId: body.peer_id, multiaddrs: body.multiaddrs ?? [] });
    else node.httpPeers.set(body.node_address, { peerId: '', multiaddrs: [] });
    return ok(
      {
        peers: [...node.httpPeers.keys()].filter((url) => url !== body.node_address),
        peer_list: [...node.httpPeers].map(([url, peer]) => ({ url, ...peer })),
        chain: chainSummary(node),
        peer_id: node.network.peerId,
        multiaddrs: node.network.multiaddrs,
        genesis: node.genesisHash,
      },
      'Registration successful',
    );
  };
  // Operator routes (register_with makes this node call out to any URL; blocking peers): this machine only.
  const localOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    const ip = request.ip;
    if (ip !== '127.0.0.1' && ip !== '::1' && ip !== '::ffff:127.0.0.1')
      return fail(
        reply,
        403,
        'NODE_REQUEST_INVALID',
        `${request.url} is taken from the node’s own machine only.`,
      );
  };

  for (const prefix of ['/node', '']) {
    app.post(
      `${prefix}/register_node`,
      { schema: { tags: ['curvetime'], body: NodeAddressBody } },
      (request) => registerNode(request.body),
    );
    app.post(
      `${prefix}/register_with`,
      { schema: { tags: ['curvetime'], body: NodeAddressBody }, preHandler: localOnly },
      async (request) => ok(await registerWith(node, request.body.node_address), 'Registration successful'),
    );
  }

  app.get('/node/chain', { schema: { tags: ['curvetime'] } }, async () => ok(chainSummary(node)));

  app.get('/node/mine', { schema: { tags: ['curvetime'] } }, async () => {
    const pending = chain().pool().length;
    if (pending === 0) return { code: 10000, msg: 'No transactions to mine', data: null };
    const tip = chain().tip;
    return ok(
      { pending, tip: { index: tip.index, hash: tip.hash } },
      `Mining is continuous under Proof of Training: ${pending} pending transactions go into the next blocks.`,
    );
  });

  app.post(
    '/node/transaction',
    { schema: { tags: ['curvetime'], body: TransactionBody } },
    async (request, reply) => {
      const transaction = request.body as Transaction;
      const hash = transactionHash(transaction);
      const pooled = participant.submitTransaction(transaction);
      if (!pooled.ok) {
        if (pooled.reason === 'it is already pending')
          return ok({ hash, status: 'pending' }, 'Already pending');
        return fail(
          reply,
          400,
          'TRANSACTION_REFUSED',
          `Transaction ${hash.slice(0, 8)} is refused: ${pooled.reason}.`,
        );
      }
      await node.store.putTransaction(hash, transaction);
      return ok({ hash, status: 'pending' }, 'Transaction accepted: it goes into the next blocks');
    },
  );

  app.get(
    '/node/transaction',
    { schema: { tags: ['curvetime'], querystring: Type.Object({ hash: Hash }) } },
    async (request, reply) => {
      const { hash } = request.query;
      const block = chain().block(hash);
      if (block !== undefined) return ok(block.transactions);
      const found = findTransaction(node, hash);
      if (found === null)
        return fail(
          reply,
          404,
          'CHAIN_OBJECT_NOT_FOUND',
          `No block or transaction ${hash.slice(0, 8)} is known to this node.`,
        );
      return ok(found);
    },
  );

  app.get('/node/pending_tx', { schema: { tags: ['curvetime'] } }, async () =>
    ok(
      chain()
        .pool()
        .map((transaction) => ({ hash: transactionHash(transaction), ...transaction })),
    ),
  );

  app.post(
    '/node/add_block',
    { schema: { tags: ['curvetime'], body: AddBlockBody } },
    async (request, reply) => {
      const block = request.body.block as unknown as WrappedBlock;
      let hash: string;
      try {
        hash = blockHash(block);
      } catch {
        return fail(reply, 400, 'BLOCK_REFUSED', 'The block is malformed: it cannot be hashed.');
      }
      if (hash !== request.body.hash)
        return fail(
          reply,
          400,
          'BLOCK_REFUSED',
          `The block's hash is ${hash.slice(0, 8)}, not the ${request.body.hash.slice(0, 8)} given.`,
        );
      const known = chain().stateOf(hash) !== undefined;
      const verdict = await participant.deliver({ type: 'block', block }, 'http');
      if (verdict.verdict === 'reject')
        return fail(reply, 400, 'BLOCK_REFUSED', `Block ${hash.slice(0, 8)} is refused: ${verdict.reason}.`);
      const state = chain().stateOf(hash);
      if (state === undefined)
        return reply.code(202).send({
          code: 202,
          msg: 'Held: its parent is not known here yet, or this node cannot re-execute its stage now',
          data: { hash },
        });
      return ok(
        { hash, index: state.index, tip: chain().tip.hash === hash },
        known ? 'Already known' : 'Block added',
      );
    },
  );

  // --- the explorer ------------------------------------------------------------------------------

  app.get('/node/status', { schema: { tags: ['explorer'] } }, async () => {
    const tip = chain().tip;
    return ok({
      networkId: node.genesis.networkId,
      genesis: node.genesisHash,
      url: node.url,
      peerId: node.network.peerId,
      multiaddrs: node.network.multiaddrs,
      address: node.key.publicKey,
      tip: { index: tip.index, hash: tip.hash, checkpointSha256: tip.checkpointSha256 },
      peers: node.network.peers().length,
      pendingTransactions: chain().pool().length,
      stagesTrained: node.stages.trained,
      uptimeSeconds: Math.round((Date.now() - node.startedAtMs) / 1000),
      messages: { accepted: node.metrics.count('accept'), rejected: node.metrics.count('reject') },
    });
  });

  app.get(
    '/node/blocks',
    {
      schema: {
        tags: ['explorer'],
        querystring: Type.Object({
          from: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BLOCKS_PAGE_MAX })),
        }),
      },
    },
    async (request) => {
      const main = chain().mainChain();
      const limit = request.query.limit ?? 20;
      const from = request.query.from ?? Math.max(1, main.length - limit + 1);
      return ok(main.slice(Math.max(0, from - 1), from - 1 + limit).map((block) => blockView(node, block)));
    },
  );

  app.get(
    '/node/blocks/:id',
    { schema: { tags: ['explorer'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const { id } = request.params;
      let block: WrappedBlock | undefined;
      if (/^[0-9]+$/.test(id)) block = chain().mainChain()[Number(id) - 1];
      else if (/^[0-9a-f]{64}$/.test(id)) block = chain().block(id);
      else
        return fail(
          reply,
          400,
          'NODE_REQUEST_INVALID',
          'A block is named by its height (a whole number) or its hash (64 hex characters).',
        );
      if (id === '0') return ok({ index: 0, hash: node.genesisHash, genesis: node.genesis });
      if (block === undefined)
        return fail(reply, 404, 'CHAIN_OBJECT_NOT_FOUND', `Block ${id} is not known to this node.`);
      return ok(blockView(node, block));
    },
  );

  app.get(
    '/node/transactions/:hash',
    { schema: { tags: ['explorer'], params: Type.Object({ hash: Hash }) } },
    async (request, reply) => {
      const found = findTransaction(node, request.params.hash);
      if (found === null)
        return fail(
          reply,
          404,
          'CHAIN_OBJECT_NOT_FOUND',
          `Transaction ${request.params.hash.slice(0, 8)} is neither pending nor in the chain this node follows.`,
        );
      return ok(found);
    },
  );

  app.get(
    '/node/accounts/:address',
    { schema: { tags: ['explorer'], params: Type.Object({ address: Hash }) } },
    async (request) => {
      const { address } = request.params;
      const account = chain().tip.accounts.get(address) ?? { balance: 0, nonce: 0 };
      const pending = chain()
        .pool()
        .filter((t) => t.from === address);
      return ok({
        address,
        balance: account.balance,
        balanceCoins: account.balance / COIN,
        nonce: account.nonce,
        nextNonce: Math.max(account.nonce, ...pending.map((t) => t.nonce)) + 1,
        pending: pending.length,
        tip: chain().tip.index,
      });
    },
  );

  app.get('/node/peers', { schema: { tags: ['explorer'] } }, async () =>
    ok({
      connected: node.network.peers(),
      registered: [...node.httpPeers].map(([url, peer]) => ({ url, ...peer })),
      banned: node.network.bannedPeers(),
    }),
  );

  // --- training jobs ------------------------------------------------------------------------------

  const jobView = async (job: Job, withAccuracy: boolean) => {
    const queue = chain().tip.queue ?? [];
    const position = queue.indexOf(job.id);
    const accuracy =
      withAccuracy && job.checkpointSha256 !== null
        ? await node.stages.accuracy(job.checkpointSha256, job.spec).catch(() => undefined)
        : undefined;
    return {
      ...job,
      spec: JSON.parse(job.spec) as unknown,
      status: job.finishedAt !== null ? 'finished' : position === 0 ? 'training' : 'queued',
      queuePosition: position,
      testAccuracy: accuracy ?? null,
    };
  };
  app.get('/node/jobs', { schema: { tags: ['explorer'] } }, async () => {
    const jobs = [...(chain().tip.jobs?.values() ?? [])];
    return ok(await Promise.all(jobs.map((job) => jobView(job, false))));
  });
  app.get(
    '/node/jobs/:id',
    { schema: { tags: ['explorer'], params: Type.Object({ id: Hash }) } },
    async (request, reply) => {
      const job = chain().tip.jobs?.get(request.params.id);
      if (job === undefined)
        return fail(
          reply,
          404,
          'CHAIN_OBJECT_NOT_FOUND',
          `No training job ${request.params.id.slice(0, 8)} is on the chain this node follows (it may still be pending: see /node/pending_tx).`,
        );
      return ok(await jobView(job, true));
    },
  );
  app.get(
    '/node/jobs/:id/checkpoint',
    { schema: { tags: ['explorer'], params: Type.Object({ id: Hash }) } },
    async (request, reply) => {
      const job = chain().tip.jobs?.get(request.params.id);
      if (job === undefined || job.checkpointSha256 === null)
        return fail(
          reply,
          404,
          'CHAIN_OBJECT_NOT_FOUND',
          `Job ${request.params.id.slice(0, 8)} has no trained stage on this node's chain yet.`,
        );
      const checkpoint = await node.stages.checkpoint(job.checkpointSha256, job.spec);
      if (checkpoint === undefined)
        return fail(
          reply,
          404,
          'CHAIN_OBJECT_NOT_FOUND',
          `This node no longer holds checkpoint ${job.checkpointSha256.slice(0, 8)}: ask another node.`,
        );
      return reply
        .type('application/octet-stream')
        .header('x-checkpoint-sha256', job.checkpointSha256)
        .send(Buffer.from(encodeCheckpoint(checkpoint)));
    },
  );

  const PeerIdBody = Type.Object({ peer_id: Type.String({ minLength: 1, maxLength: 128 }) });
  app.post(
    '/node/peers/block',
    { schema: { tags: ['operations'], body: PeerIdBody }, preHandler: localOnly },
    async (request, reply) => {
      try {
        await node.network.block(request.body.peer_id);
      } catch {
        return fail(reply, 400, 'NODE_REQUEST_INVALID', `"${request.body.peer_id}" is not a libp2p peer id.`);
      }
      return ok({ blocked: request.body.peer_id }, 'Peer dropped and refused until unblocked');
    },
  );
  app.post(
    '/node/peers/unblock',
    { schema: { tags: ['operations'], body: PeerIdBody }, preHandler: localOnly },
    async (request) => {
      node.network.unblock(request.body.peer_id);
      return ok({ unblocked: request.body.peer_id }, 'Peer allowed again');
    },
  );

  app.get('/health', { schema: { tags: ['operations'] } }, async () =>
    ok({ status: 'ok', tip: chain().tip.index }),
  );
  app.get('/metrics', { schema: { tags: ['operations'] } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4').send(node.metrics.render()),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

function chainSummary(node: ChainNode) {
  const hashes = [node.genesisHash, ...node.participant.chain.mainChain().map(blockHash)];
  return { length: hashes.length, chain: hashes, peers: [...node.httpPeers.keys()] };
}

function blockView(node: ChainNode, block: WrappedBlock) {
  const hash = blockHash(block);
  const { header } = block;
  return {
    index: header.index,
    hash,
    previous_hash: header.parentHash,
    timestamp: header.timestampMs,
    stageId: header.stageId,
    checkpointSha256: header.checkpointSha256,
    author: header.publicKey,
    declarers: header.declarations.map((d) => d.publicKey),
    coinbase: block.coinbase,
    transactions: block.transactions.map((t) => ({ hash: transactionHash(t), ...t })),
    stakeholders: block.stakeholderSignatures.map((s) => s.publicKey),
    mainChain: node.participant.chain.mainChain().at(header.index - 1) === block,
    block,
  };
}

/** A transaction by hash: pending, or in the main chain with its block; null when unknown. */
function findTransaction(node: ChainNode, hash: string) {
  const pending = node.participant.chain.pool().find((t) => transactionHash(t) === hash);
  if (pending !== undefined) return { hash, status: 'pending', transaction: pending, block: null };
  const main = node.participant.chain.mainChain();
  for (const block of main) {
    const transaction = block.transactions.find((t) => transactionHash(t) === hash);
    if (transaction !== undefined)
      return {
        hash,
        status: 'confirmed',
        transaction,
        block: {
          index: block.header.index,
          hash: blockHash(block),
          confirmations: main.length - block.header.index + 1,
        },
      };
  }
  return null;
}
