/**
 * Credits are counted in integer nano-credits everywhere (like iExec's nRLC): 1 credit = 10^9 nano. A chain
 * coin is worth one credit; the chain counts micro-coins, so one micro-coin is 1,000 nano-credits.
 */
export const NANO_PER_CREDIT = 1_000_000_000;
export const NANO_PER_MICRO_COIN = 1_000;

/** The largest amount one transfer, price or order may name: 10^6 credits (well inside a safe integer). */
export const AMOUNT_NANO_MAX = 1_000_000 * NANO_PER_CREDIT;

/** `1.5 credits (1500000000 nano)`: both units, so neither has to be converted by hand. */
export function formatCredits(nano: number): string {
  return `${creditsText(nano)} credits (${nano} nano)`;
}

/** `1.5`: the amount in credits, exact (no float rounding), trailing zeros dropped. */
export function creditsText(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  const whole = Math.floor(abs / NANO_PER_CREDIT);
  const fraction = String(abs % NANO_PER_CREDIT)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * Parses an amount typed by a person: `2`, `0.5` or `1.25 credits` are credits, `1500nano` or `1500 nano`
 * nano-credits. Returns undefined when it is not a positive amount of at most {@link AMOUNT_NANO_MAX}.
 */
export function parseCredits(text: string): number | undefined {
  const match = /^\s*(\d{1,7})(?:\.(\d{1,9}))?\s*(credits?|nano)?\s*$/.exec(text);
  if (match === null) return undefined;
  const [, whole = '', fraction, unit] = match;
  if (unit === 'nano') {
    if (fraction !== undefined) return undefined;
    const nano = Number(whole);
    return nano > 0 && nano <= AMOUNT_NANO_MAX ? nano : undefined;
  }
  const nano = Number(whole) * NANO_PER_CREDIT + Number((fraction ?? '').padEnd(9, '0'));
  return nano > 0 && nano <= AMOUNT_NANO_MAX ? nano : undefined;
}
