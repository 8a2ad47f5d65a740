/** Standard input of a task: each input value as a 4-byte little-endian length, then its bytes. */
export function encodeStdin(values: readonly Uint8Array[]): Uint8Array {
  const total = values.reduce((sum, value) => sum + 4 + value.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const value of values) {
    view.setUint32(offset, value.length, true);
    out.set(value, offset + 4);
    offset += 4 + value.length;
  }
  return out;
}
