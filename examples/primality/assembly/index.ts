import { nextValue, readU32, write } from "../../../packages/hub/template/default/assembly/proofgrid";

// Seed 004's example: trial division. Each input value is a u32 in 4 big-endian bytes; the output is one
// JSON object per value, in order: {"tested_number": n, "is_prime": true|false}.

function isPrime(n: u32): bool {
  if (n < 2) return false;
  if (n < 4) return true;
  if (n % 2 == 0) return false;
  for (let d: u64 = 3; d * d <= <u64>n; d += 2) if (<u64>n % d == 0) return false;
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
