import { log, nextValue, readU32, write } from "./proofgrid";

// A starter: reads every input value as a big-endian u32 and outputs how many there were and their sum,
// as JSON. Replace the body with your own computation; keep it deterministic (no clock, no real
// randomness: use randomU32()/randomF64() from ./proofgrid, which every replica draws alike).

export function _start(): void {
  let count: u32 = 0;
  let sum: u64 = 0;
  for (let value = nextValue(); value !== null; value = nextValue()) {
    if (value.length != 4) {
      log("skipping a value that is not 4 bytes long");
      continue;
    }
    count++;
    sum += <u64>readU32(value);
  }
  write('{"count":' + count.toString() + ',"sum":' + sum.toString() + "}");
}
