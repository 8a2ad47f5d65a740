/**
 * Seed 003's stake-weighted lottery: a hash wins when its leading zero bits are at least
 * 256 − log2(coinstake), so doubling the stake halves the expected work. A node retries with a new
 * timestamp (the try interval is the caller's: this module has no clock).
 */
export function lotteryBitsRequired(coinstake: bigint): number {
  if (coinstake < 1n) throw new RangeError('a coinstake is at least 1');
  let log2 = 0;
  for (let value = coinstake; value > 1n; value >>= 1n) log2 += 1;
  return Math.max(0, 256 - log2);
}

/** Leading zero bits of a 256-bit hash given as 64 hex characters. */
export function leadingZeroBits(hashHex: string): number {
  let bits = 0;
  for (const char of hashHex) {
    const nibble = Number.parseInt(char, 16);
    if (Number.isNaN(nibble)) throw new RangeError(`not a hex hash: ${hashHex}`);
    if (nibble === 0) {
      bits += 4;
      continue;
    }
    return bits + Math.clz32(nibble) - 28;
  }
  return bits;
}

/** Whether a hash wins the lottery at this stake. */
export function winsLottery(hashHex: string, coinstake: bigint): boolean {
  return leadingZeroBits(hashHex) >= lotteryBitsRequired(coinstake);
}
