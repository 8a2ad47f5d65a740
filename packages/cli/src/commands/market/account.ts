import { existsSync } from 'node:fs';
import { signTransaction, transactionHash } from '@proofgrid/chain';
import { routes } from '@proofgrid/client';
import { NANO_PER_MICRO_COIN, signCanonical } from '@proofgrid/core';
import { WALLET_LINK_DOMAIN } from '@proofgrid/hub';
import type { CommandIo } from '../../cli/io.ts';
import type { Arguments } from '../../cli/parseArguments.ts';
import { formatCoins } from '../coins.ts';
import { printResult, table } from '../output.ts';
import { nodeClient, readWallet, unlockWallet, walletPath } from '../wallet.ts';
import { credits, creditsArg, marketSession } from './marketSession.ts';

type Session = ReturnType<typeof marketSession>;

/** Signs the link of the wallet to the account and sends it; returns how many earlier deposits it credited. */
export async function link(
  session: Session,
  key: { publicKey: string; secretKey: Uint8Array },
): Promise<number> {
  const organizationId = (await session.call(routes.marketAccount, {})).organization_id;
  const signature = Buffer.from(
    signCanonical({
      secretKey: key.secretKey,
      domain: WALLET_LINK_DOMAIN,
      value: { organization_id: organizationId, address: key.publicKey },
    }),
  ).toString('hex');
  return (await session.call(routes.linkWallet, { body: { address: key.publicKey, signature } }))
    .credited_deposits;
}

/**
 * The wallet key that signs this account's orders: unlocked once, and linked to the account first when the
 * account has no wallet yet (the hub checks every order's signer against the linked wallet).
 */
export async function orderSigningKey(args: Arguments, io: CommandIo, session: Session) {
  const key = await unlockWallet(args, io);
  const account = await session.call(routes.marketAccount, {});
  if (account.wallet === null) {
    await link(session, key);
    io.err(`linked wallet ${key.publicKey} to your account (it signs your orders).`);
  }
  return key;
}

/** `proofgrid account show`: the wallet (on chain) and the hub account side by side, as `iexec account show` does. */
export async function accountShow(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const account = await session.call(routes.marketAccount, {});
  const path = walletPath(args, io);
  const address = existsSync(path) ? readWallet(path).address : null;
  const chain =
    address !== null && account.deposit_address !== null
      ? await nodeClient(args, io)
          .account(address)
          .catch(() => null)
      : null;
  const value = {
    hub: account,
    wallet: { address, file: address === null ? null : path, chain_balance_micro: chain?.balance ?? null },
  };
  printResult(io, args, value, () => {
    const b = account.balance;
    return [
      ...table([
        ['', 'WALLET (chain)', 'HUB ACCOUNT'],
        ['address', address ?? '(no wallet: proofgrid wallet create)', account.organization_id],
        [
          'linked',
          account.wallet === null
            ? 'no (proofgrid account link)'
            : account.wallet === address
              ? 'yes'
              : `another: ${account.wallet}`,
          '',
        ],
        ['available', chain === null ? '-' : `${formatCoins(chain.balance)} coins`, credits(b.available)],
        ['locked', '', credits(b.locked)],
        ['stake', '', credits(b.stake)],
        ['withdrawing', '', credits(b.withdrawing)],
      ]),
      account.faucet
        ? 'This hub has no chain: its credits are local test credits (proofgrid account faucet <amount>).'
        : `Deposits go to ${account.deposit_address} (proofgrid account deposit <amount>).`,
    ];
  });
  return 0;
}

/** `proofgrid account link`: proves the wallet is yours to the hub (it signs your orders, deposits, withdrawals). */
export async function accountLink(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const key = await unlockWallet(args, io);
  const credited = await link(session, key);
  printResult(io, args, { address: key.publicKey, credited_deposits: credited }, (v) => [
    `Wallet ${v.address} is linked to your account.${v.credited_deposits > 0 ? ` ${v.credited_deposits} earlier deposit(s) credited.` : ''}`,
  ]);
  return 0;
}

/** `proofgrid account faucet <amount>`: local test credits on a hub without a chain. */
export async function accountFaucet(args: Arguments, io: CommandIo): Promise<number> {
  const amount = creditsArg(args, 'the amount', args.one('an amount of credits'));
  const { balance } = await marketSession(args, io).call(routes.useFaucet, { body: { amount } });
  printResult(io, args, { amount, balance }, (v) => [
    `${credits(v.amount)} of local test credits from the faucet; available now ${credits(v.balance.available)}.`,
  ]);
  return 0;
}

/**
 * `proofgrid account deposit <amount>`: sends coins from the wallet to the hub's deposit address (linking the
 * wallet first if needed); the hub credits them after its confirmations. `--wait` waits for the credit.
 */
export async function accountDeposit(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const nano = creditsArg(args, 'the amount', args.one('an amount (1 credit = 1 coin)'));
  if (nano % NANO_PER_MICRO_COIN !== 0)
    throw args.usage('a deposit is a whole number of micro-coins (at most 6 decimals).');
  const account = await session.call(routes.marketAccount, {});
  if (account.deposit_address === null)
    throw args.usage(
      'this hub has no chain, so it takes no deposits: use `proofgrid account faucet <amount>` for test credits.',
    );
  const key = await unlockWallet(args, io);
  if (account.wallet !== key.publicKey) await link(session, key);
  const node = nodeClient(args, io);
  const { nextNonce } = await node.account(key.publicKey);
  const transfer = signTransaction(
    {
      from: key.publicKey,
      to: account.deposit_address,
      amount: nano / NANO_PER_MICRO_COIN,
      fee: 1_000,
      nonce: nextNonce,
    },
    key.secretKey,
  );
  await node.sendTransaction(transfer);
  const hash = transactionHash(transfer);
  const before = account.balance.available;
  let credited = false;
  if (args.flag('wait')) {
    const deadline = Date.now() + (args.integer('timeout', { min: 1, max: 3600 }) ?? 300) * 1000;
    while (!credited && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      credited = (await session.call(routes.marketAccount, {})).balance.available >= before + nano;
    }
  }
  printResult(io, args, { transaction: hash, amount: nano, to: account.deposit_address, credited }, (v) => [
    `deposit ${v.transaction}: ${credits(v.amount)} to ${v.to}`,
    v.credited
      ? 'credited to your hub account.'
      : 'the hub credits it once it is confirmed deep enough (see `proofgrid account show`).',
  ]);
  return args.flag('wait') && !credited ? 1 : 0;
}

/** `proofgrid account withdraw <amount>`: the hub sends a chain transfer back to your linked wallet. */
export async function accountWithdraw(args: Arguments, io: CommandIo): Promise<number> {
  const session = marketSession(args, io);
  const nano = creditsArg(args, 'the amount', args.one('an amount (1 credit = 1 coin)'));
  if (nano % NANO_PER_MICRO_COIN !== 0)
    throw args.usage('a withdrawal is a whole number of micro-coins (at most 6 decimals).');
  const made = await session.call(routes.withdraw, { body: { amount: nano } });
  let state = made.state;
  if (args.flag('wait')) {
    const deadline = Date.now() + (args.integer('timeout', { min: 1, max: 3600 }) ?? 300) * 1000;
    while ((state === 'queued' || state === 'sent') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const listed = (await session.call(routes.listWithdrawals, {})) as {
        withdrawal_id: string;
        state: string;
      }[];
      state = listed.find((w) => w.withdrawal_id === made.withdrawal_id)?.state ?? state;
    }
  }
  printResult(io, args, { ...made, state }, (v) => [
    `withdrawal ${v.withdrawal_id}: ${formatCoins(v.amount_micro)} coins to ${v.address} (chain fee ${formatCoins(v.fee_micro)}, locked until confirmed): ${v.state}`,
  ]);
  return args.flag('wait') && state !== 'confirmed' ? 1 : 0;
}

/** `proofgrid category show`: the categories, their time references and deadlines. */
export async function categoryShow(args: Arguments, io: CommandIo): Promise<number> {
  const categories = await marketSession(args, io).hub.call(routes.listCategories, {});
  printResult(io, args, categories, (list) =>
    table([
      ['CATEGORY', 'TIME REFERENCE', 'CONTRIBUTION DEADLINE', 'FINAL DEADLINE'],
      ...list.map((c) => [
        c.name,
        `${c.reference_seconds} s`,
        `${c.contribution_deadline_seconds} s`,
        `${c.final_deadline_seconds} s`,
      ]),
    ]),
  );
  return 0;
}
