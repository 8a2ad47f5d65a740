import { routes } from '@proofgrid/client';
import {
  inputsHash,
  ORDER_VOLUME_MAX,
  type PoolOrder,
  type ProgramOrder,
  type RequestOrder,
  type SignedOrder,
  signOrder,
  TRUST_MAX,
} from '@proofgrid/core';
import type { CommandIo } from '../../cli/io.ts';
import type { Arguments } from '../../cli/parseArguments.ts';
import { printResult, table } from '../output.ts';
import { orderSigningKey } from './account.ts';
import { watchDeal } from './deals.ts';
import {
  credits,
  creditsArg,
  marketSession,
  organizationId,
  programId,
  readInputDir,
  salt,
  tagsArg,
} from './marketSession.ts';

const restriction = (args: Arguments, name: string) => {
  const value = args.string(name) ?? '';
  if (value !== '' && !/^[0-9a-f-]{36}$/.test(value))
    throw args.usage(`--${name} takes an id (got "${value}").`);
  return value;
};
const volume = (args: Arguments) => args.integer('volume', { min: 1, max: ORDER_VOLUME_MAX }) ?? 1_000;

/** `proofgrid program publish <program> --price <credits>`: a signed program order (its price per task). */
export async function programPublish(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const program = await programId(session, args.one('a program (id or name)'));
  const price = creditsArg(args, '--price', args.required('price'));
  const key = await orderSigningKey(args, io, session);
  const order = signOrder<ProgramOrder>(
    {
      kind: 'program',
      program,
      price,
      volume: volume(args),
      tag: tagsArg(args),
      pool_restrict: restriction(args, 'pool-restrict'),
      requester_restrict: restriction(args, 'requester-restrict'),
      salt: salt(),
      signer: key.publicKey,
    },
    key.secretKey,
  );
  const { order_hash } = await session.call(routes.publishOrder, { body: order });
  printResult(io, args, { order_hash, order: order.order }, (v) => [
    `program order ${v.order_hash}: program ${v.order.program} at ${credits(v.order.price)} per task, volume ${v.order.volume}`,
  ]);
  return 0;
}

/** `proofgrid pool create --name <n>`: a workerpool you manage. */
export async function poolCreate(args: Arguments, io: CommandIo): Promise<number> {
  const created = await marketSession(args, io).call(routes.createPool, {
    body: {
      name: args.required('name'),
      description: args.string('description') ?? '',
      worker_share_percent: args.integer('worker-share', { min: 0, max: 100 }) ?? 70,
    },
  });
  printResult(io, args, created, (v) => [
    `workerpool ${v.pool_id}`,
    `workers join it with: proofgrid worker start --pool ${v.pool_id} (logged in to their account)`,
  ]);
  return 0;
}

/** `proofgrid pool show <id>`: the pool, its manager and its workers. */
export async function poolShow(args: Arguments, io: CommandIo): Promise<number> {
  const pool = (await marketSession(args, io).hub.call(routes.showPool, {
    params: { pool_id: args.one('a pool id') },
  })) as {
    pool_id: string;
    name: string;
    owner_id: string;
    worker_share_percent: number;
    workers: { worker_id: string; name: string; organization_id: string | null; last_seen_at: string }[];
  };
  printResult(io, args, pool, (v) => [
    `workerpool ${v.pool_id} "${v.name}", managed by ${v.owner_id}; workers get ${v.worker_share_percent}% of its price`,
    ...table([
      ['WORKER', 'NAME', 'ACCOUNT', 'LAST SEEN'],
      ...v.workers.map((w) => [w.worker_id, w.name, w.organization_id ?? '-', w.last_seen_at]),
    ]),
  ]);
  return 0;
}

/** `proofgrid pool publish <pool> --price <credits> --category XS [--trust 1]`: a signed pool order. */
export async function poolPublish(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const pool = args.one('a pool id');
  const price = creditsArg(args, '--price', args.required('price'));
  const key = await orderSigningKey(args, io, session);
  const order = signOrder<PoolOrder>(
    {
      kind: 'pool',
      pool,
      price,
      volume: volume(args),
      tag: tagsArg(args),
      category: args.string('category') ?? 'XS',
      trust: args.integer('trust', { min: 1, max: TRUST_MAX }) ?? 1,
      program_restrict: restriction(args, 'program-restrict'),
      requester_restrict: restriction(args, 'requester-restrict'),
      salt: salt(),
      signer: key.publicKey,
    },
    key.secretKey,
  );
  const { order_hash } = await session.call(routes.publishOrder, { body: order });
  printResult(io, args, { order_hash, order: order.order }, (v) => [
    `pool order ${v.order_hash}: ${credits(v.order.price)} per task, category ${v.order.category}, trust ${v.order.trust}, volume ${v.order.volume}`,
  ]);
  return 0;
}

type OrderView = {
  order_hash: string;
  kind: string;
  organization_id: string;
  volume: number;
  consumed: number;
  remaining: number;
  published_at: string;
  cancelled_at: string | null;
  signed: { order: Record<string, unknown>; signature: string };
};

/** `proofgrid orderbook show`: live orders, cheapest first (seed 001: id, price, pool, category, trust, timestamp). */
export async function orderbookShow(args: Arguments, io: CommandIo): Promise<number> {
  const kind = (args.string('kind') ?? 'pool') as 'pool' | 'program' | 'request';
  if (!['pool', 'program', 'request'].includes(kind))
    throw args.usage(`--kind is pool, program or request (got "${kind}").`);
  const tag = tagsArg(args);
  const orders = (await marketSession(args, io).hub.call(routes.showOrderbook, {
    query: {
      kind,
      ...(args.string('category') === undefined ? {} : { category: args.string('category') as string }),
      ...(tag.length === 0 ? {} : { tag }),
      ...(args.integer('min-trust', { min: 1, max: TRUST_MAX }) === undefined
        ? {}
        : { min_trust: args.integer('min-trust', { min: 1, max: TRUST_MAX }) as number }),
      ...(args.string('program') === undefined ? {} : { program: args.string('program') as string }),
    },
  })) as OrderView[];
  printResult(io, args, orders, (list) => [
    ...table([
      [
        'ORDER',
        'PRICE',
        kind === 'program' ? 'PROGRAM' : 'POOL',
        'CATEGORY',
        'TRUST',
        'TAG',
        'LEFT',
        'PUBLISHED',
      ],
      ...list.map((o) => {
        const order = o.signed.order;
        const price = Number(order.kind === 'request' ? order.pool_max_price : order.price);
        return [
          o.order_hash,
          credits(price),
          String(kind === 'program' ? order.program : order.pool || 'any'),
          String(order.category ?? '-'),
          String(order.trust ?? '-'),
          (order.tag as string[]).join(',') || '-',
          `${o.remaining}/${o.volume}`,
          o.published_at,
        ];
      }),
    ]),
    `${list.length} live ${kind} order(s).`,
  ]);
  return 0;
}

/** `proofgrid order show <hash>`. */
export async function orderShow(args: Arguments, io: CommandIo): Promise<number> {
  const order = (await marketSession(args, io).hub.call(routes.showOrder, {
    params: { order_hash: args.one('an order hash') },
  })) as OrderView;
  printResult(io, args, order, (v) => [
    `${v.kind} order ${v.order_hash} by ${v.organization_id}, published ${v.published_at}${v.cancelled_at === null ? '' : `, cancelled ${v.cancelled_at}`}`,
    `volume ${v.volume}, consumed ${v.consumed}, left ${v.remaining}`,
    JSON.stringify(v.signed.order, null, 2),
  ]);
  return 0;
}

/** `proofgrid order cancel <hash>`: deals already made stand. */
export async function orderCancel(args: Arguments, io: CommandIo): Promise<number> {
  const hash = args.one('an order hash');
  await marketSession(args, io).call(routes.cancelOrder, { params: { order_hash: hash } });
  printResult(io, args, { order_hash: hash, cancelled: true }, () => [`order ${hash} is cancelled.`]);
  return 0;
}

/**
 * A request for `program` on the inputs of `--inputs <dir>` (one file per task), signed and filled with the
 * named orders or the cheapest that fit: `order fill` names them, `run` lets the hub find them.
 */
async function fill(
  args: Arguments,
  io: CommandIo,
  program: string,
  named: { pool?: string; program?: string },
) {
  const session = marketSession(args, io);
  const id = await programId(session, program);
  const { files, names } = readInputDir(args, args.required('inputs'));
  const requester = await organizationId(session);
  const category = args.string('category') ?? 'XS';
  const trust = args.integer('trust', { min: 1, max: TRUST_MAX }) ?? 1;
  const pool = restriction(args, 'pool');
  const tag = tagsArg(args);
  // Without a maximum, the most the request pays is the best price on the book now: an order that is
  // re-priced between this look and the fill does not take more than the requester saw.
  const cheapest = async (kind: 'pool' | 'program'): Promise<number> => {
    const orders = (await session.hub.call(routes.showOrderbook, {
      query:
        kind === 'program'
          ? { kind, program: id, limit: 1 }
          : {
              kind,
              category,
              min_trust: trust,
              ...(tag.length === 0 ? {} : { tag }),
              ...(pool === '' ? {} : { pool }),
              limit: 1,
            },
    })) as OrderView[];
    const best = orders[0];
    if (best === undefined)
      throw args.usage(
        kind === 'program'
          ? `no live program order sells program ${id}: its owner publishes one with \`proofgrid program publish\`.`
          : `no live pool order fits (category ${category}, trust ${trust}${tag.length > 0 ? `, tags ${tag.join(',')}` : ''}): see \`proofgrid orderbook show\`.`,
      );
    return Number(best.signed.order.price);
  };
  const maxPrice = args.string('max-price');
  if (args.flag('auction') && maxPrice === undefined)
    throw args.usage('an auction rises to --max-price: give the most a pool may be paid per task.');
  const maxProgramPrice = args.string('max-program-price');
  const poolMax =
    maxPrice === undefined
      ? named.pool === undefined
        ? await cheapest('pool')
        : Number(
            ((await session.hub.call(routes.showOrder, { params: { order_hash: named.pool } })) as OrderView)
              .signed.order.price,
          )
      : creditsArg(args, '--max-price', maxPrice);
  const programMax =
    maxProgramPrice === undefined
      ? await cheapest('program')
      : creditsArg(args, '--max-program-price', maxProgramPrice);
  const key = await orderSigningKey(args, io, session);
  const request = signOrder<RequestOrder>(
    {
      kind: 'request',
      program: id,
      program_max_price: programMax,
      pool,
      pool_max_price: poolMax,
      requester,
      volume: files.length,
      tag,
      category,
      trust,
      params: args.string('params') ?? '',
      inputs_hash: inputsHash(files),
      salt: salt(),
      signer: key.publicKey,
    },
    key.secretKey,
  );
  if (args.flag('auction')) return auction(args, io, session, request, files);
  const deal = await session.call(routes.fillOrders, {
    body: {
      request,
      inputs: files,
      ...(named.pool === undefined ? {} : { pool_order: named.pool }),
      ...(named.program === undefined ? {} : { program_order: named.program }),
    },
  });
  printResult(io, args, { ...deal, inputs: names }, (v) => [
    `deal ${v.deal_id}: ${v.volume} task(s) of program ${id} on pool ${v.pool_id}`,
    `price per task ${credits(v.program_price + v.pool_price)} (program ${credits(v.program_price)} + pool ${credits(v.pool_price)}), locked in escrow`,
    `category ${v.category}, trust ${v.trust}, final deadline ${v.final_deadline}`,
    ...v.task_ids.map((task, i) => `task ${task}  ${v.inputs[i] ?? ''}`),
    `follow it with: proofgrid deal show ${v.deal_id}`,
  ]);
  if (args.flag('watch')) return watchDeal(args, io, session, deal.deal_id);
  return 0;
}

/** `proofgrid order fill --pool-order <hash> --program <p> --inputs <dir>`: a deal with the orders named. */
export async function orderFill(args: Arguments, io: CommandIo): Promise<number> {
  const pool = args.required('pool-order');
  const programOrder = args.string('program-order');
  return fill(args, io, args.required('program'), {
    pool,
    ...(programOrder === undefined ? {} : { program: programOrder }),
  });
}

/** `proofgrid run <program> --inputs <dir>`: finds and fills the cheapest orders that fit, in one step (`iexec app run`). */
export async function run(args: Arguments, io: CommandIo): Promise<number> {
  return fill(args, io, args.one('a program (id, or the name of one of yours)'), {});
}

/**
 * `run --auction`: the request as a reverse-Dutch auction, from `--min-price` up to `--max-price` over
 * `--ramp` seconds; the first pool whose order is reached locks it and must deliver within `--lock-timeout`.
 */
async function auction(
  args: Arguments,
  io: CommandIo,
  session: ReturnType<typeof marketSession>,
  request: SignedOrder<RequestOrder>,
  files: string[],
): Promise<number> {
  const minPrice = args.string('min-price');
  const created = await session.call(routes.createAuction, {
    body: {
      request,
      inputs: files,
      min_price: minPrice === undefined ? 0 : creditsArg(args, '--min-price', minPrice),
      ramp_seconds: args.integer('ramp', { min: 1, max: 86_400 }) ?? 60,
      lock_timeout_seconds: args.integer('lock-timeout', { min: 1, max: 86_400 }) ?? 600,
    },
  });
  let view = (await session.call(routes.showAuction, {
    params: { auction_id: created.auction_id },
  })) as AuctionView;
  while (args.flag('watch') && view.state === 'open') {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    view = (await session.call(routes.showAuction, {
      params: { auction_id: created.auction_id },
    })) as AuctionView;
  }
  printResult(io, args, view, describeAuction);
  if (args.flag('watch') && view.deal_id !== null) return watchDeal(args, io, session, view.deal_id);
  return 0;
}

type AuctionView = {
  auction_id: string;
  state: string;
  price_now: number | null;
  min_price: number;
  max_price: number;
  deal_id: string | null;
  waiting: string | null;
};

function describeAuction(v: AuctionView): string[] {
  return [
    `auction ${v.auction_id}: ${v.state}${v.price_now === null ? '' : `, price now ${credits(v.price_now)}`} (from ${credits(v.min_price)} to ${credits(v.max_price)})`,
    ...(v.deal_id === null ? [] : [`locked: deal ${v.deal_id} (proofgrid deal show ${v.deal_id})`]),
    ...(v.waiting === null ? [] : [`waiting: ${v.waiting}`]),
  ];
}

/** `proofgrid auction show <id>`. */
export async function auctionShow(args: Arguments, io: CommandIo): Promise<number> {
  const view = (await marketSession(args, io).call(routes.showAuction, {
    params: { auction_id: args.one('an auction id') },
  })) as AuctionView;
  printResult(io, args, view, describeAuction);
  return 0;
}
