import { nextValue, write } from '../../packages/hub/template/default/assembly/proofgrid';

function isPrime(n: u32): bool {
  if (n < 2) return false;
  for (let d: u64 = 2; d * d <= <u64>n; d++) if (<u64>n % d == 0) return false;
  return true;
}

export function _start(): void {
  let first = true;
  write('[');
  for (let value = nextValue(); value !== null; value = nextValue()) {
    const n = (<u32>value[0] << 24) | (<u32>value[1] << 16) | (<u32>value[2] << 8) | <u32>value[3];
    if (!first) write(',');
    first = false;
    write('{"tested_number":' + n.toString() + ',"is_prime":' + (isPrime(n) ? 'true' : 'false') + '}');
  }
  write(']');
}
