import { nextValue, readU32, write } from "./proofgrid";

// A starter: for every input value (a big-endian u32), output whether it is prime, as JSON.
// Replace the body with your own computation; keep it deterministic (no clock, no real randomness).

function isPrime(n: u32): bool {
  if (n < 2) return false;
  for (let d: u64 = 2; d * d <= <u64>n; d++) if (<u64>n % d == 0) return false;
  return true;
}

export function _start(): void {
  let first = true;
  write("[");
  for (let value = nextValue(); value !== null; value = nextValue()) {
    const n = readU32(value);
    if (!first) write(",");
    first = false;
    write('{"tested_number":' + n.toString() + ',"is_prime":' + (isPrime(n) ? "true" : "false") + "}");
  }
  write("]");
}
