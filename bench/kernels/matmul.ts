import { nextValue, write } from '../../packages/hub/template/default/assembly/proofgrid';

// Multiplies two n×n matrices of f64 (n = first input value), filled deterministically.
export function _start(): void {
  const value = nextValue();
  if (value === null) return;
  const n = <i32>((<u32>value[2] << 8) | <u32>value[3]);
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * n);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    a[i] = <f64>(i % 7) * 0.5;
    b[i] = <f64>(i % 5) * 0.25;
  }
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  let trace = 0.0;
  for (let i = 0; i < n; i++) trace += c[i * n + i];
  write(trace.toString());
}
