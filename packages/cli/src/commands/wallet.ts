import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  signTransaction,
  type Transaction,
  transactionCost,
  transactionHash,
  type UnsignedTransaction,
} from '@proofgrid/chain';
import { ProofGridError } from '@proofgrid/core';
import {
  DEV_KEYS,
  decryptKey,
  devKey,
  encryptKey,
  type Keystore,
  NodeClient,
  parseKeystore,
} from '@proofgrid/node';
import { type CommandIo, readPassword } from '../cli/io.ts';
import type { Arguments } from '../cli/parseArguments.ts';
import { configDir } from '../config/credentials.ts';
import { formatCoins, parseCoins } from './coins.ts';
import { printResult } from './output.ts';

/** The node a command talks to: `--node`, else `$PROOFGRID_NODE`, else the first dev node. */
export function nodeClient(args: Arguments, io: CommandIo): NodeClient {
  return new NodeClient(args.string('node') ?? io.env.PROOFGRID_NODE ?? 'http://127.0.0.1:8000');
}

/** The keystore file: `--wallet`, else `$PROOFGRID_WALLET`, else wallet.json in the config folder. */
export function walletPath(args: Arguments, io: CommandIo): string {
  return resolve(args.string('wallet') ?? io.env.PROOFGRID_WALLET ?? join(configDir(io.env), 'wallet.json'));
}

export function readWallet(path: string): Keystore {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ProofGridError('WALLET_NOT_FOUND', {
      shortMessage: `No wallet at ${path}.`,
      details: 'Create one with `proofgrid wallet create` (or name another file with --wallet).',
    });
  }
  let keystore: Keystore | null = null;
  try {
    keystore = parseKeystore(JSON.parse(text));
  } catch {
    keystore = null;
  }
  if (keystore === null)
    throw new ProofGridError('WALLET_NOT_FOUND', {
      shortMessage: `${path} is not a ProofGrid wallet (an encrypted keystore).`,
      details: 'Restore it from a backup, or create a new wallet elsewhere with --wallet <file>.',
    });
  return keystore;
}

/** Opens the wallet's key (asks for the passphrase, or reads $PROOFGRID_WALLET_PASSPHRASE). */
export async function unlockWallet(
  args: Arguments,
  io: CommandIo,
): Promise<{ publicKey: string; secretKey: Uint8Array }> {
  return decryptKey(readWallet(walletPath(args, io)), await passphrase(io, 'Wallet passphrase: '));
}

const passphrase = (io: CommandIo, prompt: string) =>
  readPassword(undefined, io, prompt, {
    envName: 'PROOFGRID_WALLET_PASSPHRASE',
    flagName: '',
    noun: 'wallet passphrase',
  });

/** `proofgrid wallet create`: a new Ed25519 key (or a dev network key) in an encrypted keystore, mode 0600. */
export async function walletCreate(args: Arguments, io: CommandIo): Promise<number> {
  const path = walletPath(args, io);
  const dev = args.integer('dev-key', { min: 0, max: DEV_KEYS - 1 });
  let exists = true;
  try {
    readFileSync(path);
  } catch {
    exists = false;
  }
  if (exists)
    throw new ProofGridError('WALLET_EXISTS', {
      shortMessage: `A wallet already exists at ${path}; it is never overwritten.`,
      details: 'Use it (`proofgrid wallet show`), or create another with --wallet <file>.',
    });
  const seed = dev === undefined ? new Uint8Array(randomBytes(32)) : devKey(dev).secretKey;
  const keystore = encryptKey(seed, await passphrase(io, 'New wallet passphrase: '));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  printResult(io, args, { address: keystore.address, wallet: path }, (v) => [
    `address ${v.address}`,
    `wallet ${v.wallet} (encrypted; keep the passphrase: it cannot be recovered)`,
    ...(dev !== undefined ? [`this is dev key ${dev}: its secret is public — for the dev network only`] : []),
  ]);
  return 0;
}

/** `proofgrid wallet show`: the address and its balance as the chain (at the node's tip) sees it. */
export async function walletShow(args: Arguments, io: CommandIo): Promise<number> {
  const keystore = readWallet(walletPath(args, io));
  const client = nodeClient(args, io);
  const account = await client.account(keystore.address);
  printResult(io, args, { ...account, node: client.url }, (v) => [
    `address  ${v.address}`,
    `balance  ${formatCoins(v.balance)} coins (${v.balance} micro-coins) at block #${v.tip} of ${v.node}`,
    `nonce    ${v.nonce} used${v.pending > 0 ? `, ${v.pending} transfers pending` : ''}`,
  ]);
  return 0;
}

/**
 * Signs a transaction from the wallet with the next nonce the node knows of, sends it, and with `--wait`
 * waits until a block holds it. Refused before the passphrase is asked when the balance cannot cover it.
 */
export async function sendFromWallet(
  args: Arguments,
  io: CommandIo,
  make: (from: string, nonce: number) => UnsignedTransaction,
): Promise<{ hash: string; transaction: Transaction; block: { index: number; hash: string } | null } | null> {
  const keystore = readWallet(walletPath(args, io));
  const client = nodeClient(args, io);
  const account = await client.account(keystore.address);
  const cost = transactionCost({
    ...make(keystore.address, account.nextNonce),
    signature: '',
  } as Transaction);
  if (account.balance < cost)
    throw new ProofGridError('INSUFFICIENT_BALANCE', {
      shortMessage: `The wallet holds ${formatCoins(account.balance)} coins; this needs ${formatCoins(cost)} (with the fee).`,
      details: 'Send less, or have coins sent to this address first.',
    });
  const key = decryptKey(keystore, await passphrase(io, 'Wallet passphrase: '));
  const transaction = signTransaction(make(key.publicKey, account.nextNonce), key.secretKey) as Transaction;
  const hash = transactionHash(transaction);
  await client.sendTransaction(transaction);
  if (!args.flag('wait')) return { hash, transaction, block: null };
  const deadline = Date.now() + (args.integer('timeout', { min: 1, max: 3600 }) ?? 120) * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const found = await client.transaction(hash).catch(() => null);
    if (found?.status === 'confirmed' && found.block !== null)
      return { hash, transaction, block: found.block };
  }
  io.err(`transaction ${hash} is still pending: check later with \`proofgrid tx show ${hash}\`.`);
  return null;
}

/** `proofgrid wallet send`: a signed transfer with the next nonce and a fee, sent to a node (and waited for). */
export async function walletSend(args: Arguments, io: CommandIo): Promise<number> {
  const to = args.required('to');
  if (!/^[0-9a-f]{64}$/.test(to))
    throw args.usage(`--to takes an address: 64 lowercase hex characters (got "${to}").`);
  const amount = parseCoins(args, 'amount', args.required('amount'));
  if (amount <= 0) throw args.usage('--amount must be above 0.');
  const fee = parseCoins(args, 'fee', args.string('fee') ?? '0.001');
  const sent = await sendFromWallet(args, io, (from, nonce) => ({ from, to, amount, fee, nonce }));
  if (sent === null) return 1;
  printResult(
    io,
    args,
    {
      hash: sent.hash,
      from: sent.transaction.from,
      to,
      amount,
      fee,
      nonce: sent.transaction.nonce,
      block: sent.block,
    },
    (v) => [
      `transaction ${v.hash}`,
      `${formatCoins(v.amount)} coins to ${v.to} (fee ${formatCoins(v.fee)}, nonce ${v.nonce})`,
      v.block === null
        ? 'pending: see it with `proofgrid tx show <hash>`'
        : `confirmed in block #${v.block.index} ${v.block.hash}`,
    ],
  );
  return 0;
}

/** `proofgrid chain commit`: puts a label and a 32-byte hash on chain (a commitment transaction). */
export async function chainCommit(args: Arguments, io: CommandIo): Promise<number> {
  const label = args.required('label');
  if (!/^[a-z0-9][a-z0-9._:/-]{0,63}$/.test(label))
    throw args.usage(`--label takes 1 to 64 lowercase letters, digits or . _ : / - (got "${label}").`);
  const hash = args.required('hash');
  if (!/^[0-9a-f]{64}$/.test(hash))
    throw args.usage(`--hash takes 32 bytes as 64 lowercase hex characters (got "${hash}").`);
  const fee = parseCoins(args, 'fee', args.string('fee') ?? '0.001');
  const sent = await sendFromWallet(args, io, (from, nonce) => ({
    kind: 'commitment',
    from,
    label,
    hash,
    fee,
    nonce,
  }));
  if (sent === null) return 1;
  printResult(io, args, { transaction: sent.hash, label, hash, block: sent.block }, (v) => [
    `commitment ${v.transaction}: "${v.label}" = ${v.hash}`,
    v.block === null ? 'pending' : `confirmed in block #${v.block.index} ${v.block.hash}`,
  ]);
  return 0;
}
