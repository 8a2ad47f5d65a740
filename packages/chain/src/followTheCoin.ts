import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { Accounts } from './accounts.ts';

const DRAWS_PER_PLACE = 64;

/**
 * Seed 003's stakeholder selection: follow the coin. Draws coins at random — seeded by the block header's
 * hash, so every node draws the same — and takes their owners, until `count` distinct holders are chosen
 * (or every holder is). A holder's chance is its share of all coins. Draw i is the first 8 bytes of
 * sha256(seed ‖ i) modulo the supply (a bias below 2^-20 for any supply under 2^44 micro-coins). Draws are
 * bounded (DRAWS_PER_PLACE per place): past them, the places left go to the largest holders not chosen,
 * ties by address, so that dust holders cannot make selection run for ever.
 */
export function followTheCoin(accounts: Accounts, seedHex: string, count: number): string[] {
  const holders = [...accounts.entries()]
    .filter(([, account]) => account.balance > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const supply = holders.reduce((sum, [, account]) => sum + BigInt(account.balance), 0n);
  const chosen: string[] = [];
  const seed = hexToBytes(seedHex);
  const places = Math.min(count, holders.length);
  for (let draw = 0; chosen.length < places && draw < places * DRAWS_PER_PLACE; draw++) {
    const message = new Uint8Array(seed.length + 4);
    message.set(seed);
    new DataView(message.buffer).setUint32(seed.length, draw);
    const digest = sha256(message);
    const coin = new DataView(digest.buffer, digest.byteOffset).getBigUint64(0) % supply;
    let passed = 0n;
    for (const [address, account] of holders) {
      passed += BigInt(account.balance);
      if (coin < passed) {
        if (!chosen.includes(address)) chosen.push(address);
        break;
      }
    }
  }
  const rest = holders
    .filter(([address]) => !chosen.includes(address))
    .sort(([a, x], [b, y]) => y.balance - x.balance || (a < b ? -1 : 1));
  for (const [address] of rest.slice(0, places - chosen.length)) chosen.push(address);
  return chosen;
}
