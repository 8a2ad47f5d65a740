import { COIN } from '@proofgrid/chain';
import type { Arguments } from '../cli/parseArguments.ts';

/** Coins as typed (`12`, `0.5`, up to 6 decimals) to whole micro-coins, the chain's unit. */
export function parseCoins(args: Arguments, flag: string, value: string): number {
  const match = /^([0-9]{1,12})(?:\.([0-9]{1,6}))?$/.exec(value);
  if (match === null)
    throw args.usage(`--${flag} takes coins, a number with at most 6 decimals (got "${value}").`);
  return Number(match[1]) * COIN + Number((match[2] ?? '').padEnd(6, '0'));
}

/** Micro-coins as coins, every decimal kept. */
export function formatCoins(micro: number): string {
  const whole = Math.floor(micro / COIN);
  const fraction = String(micro % COIN)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction === '' ? `${whole}` : `${whole}.${fraction}`;
}
