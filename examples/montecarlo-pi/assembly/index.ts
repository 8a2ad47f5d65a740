import { nextValue, randomF64, readU32, write } from "../../../packages/hub/template/default/assembly/proofgrid";

// Estimates pi by throwing random points at the unit square. Each input value is a number of samples
// (big-endian u32); the output is, per value, how many of its samples fell inside the quarter circle.
// The randomness is the task's seeded source, so every replica of a task counts the same hits.

export function _start(): void {
  let first = true;
  write("[");
  for (let value = nextValue(); value !== null; value = nextValue()) {
    const samples = readU32(value);
    let inside: u32 = 0;
    for (let i: u32 = 0; i < samples; i++) {
      const x = randomF64();
      const y = randomF64();
      if (x * x + y * y < 1.0) inside++;
    }
    if (!first) write(",");
    first = false;
    write('{"samples":' + samples.toString() + ',"inside":' + inside.toString() + "}");
  }
  write("]");
}
