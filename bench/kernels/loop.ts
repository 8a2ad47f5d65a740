import { nextValue, write } from '../../packages/hub/template/default/assembly/proofgrid';

// A tight loop: an xorshift generator run n times (n = first input value, big-endian u32).
export function _start(): void {
  const value = nextValue();
  if (value === null) return;
  const n = (<u32>value[0] << 24) | (<u32>value[1] << 16) | (<u32>value[2] << 8) | <u32>value[3];
  let x: u32 = 2463534242;
  for (let i: u32 = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
  }
  write(x.toString());
}
