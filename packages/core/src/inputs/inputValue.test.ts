import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeInputCsv } from './encodeInputCsv.ts';
import { inputValue } from './inputValue.ts';
import { parseInputCsv } from './parseInputCsv.ts';

describe('inputValue', () => {
  it('writes numbers big-endian, as seed 004 and Noir read them', () => {
    assert.deepEqual([...inputValue.u32(7)], [0, 0, 0, 7]);
    assert.deepEqual([...inputValue.u32(0xfffffffb)], [255, 255, 255, 251]);
    assert.deepEqual([...inputValue.u64(2n ** 40n + 1n)], [0, 0, 1, 0, 0, 0, 0, 1]);
    assert.deepEqual([...inputValue.integer(258, 2)], [1, 2]);
  });

  it('refuses a number that does not fit, rather than wrapping it', () => {
    assert.throws(() => inputValue.u32(2 ** 32), /does not fit in 4/);
    assert.throws(() => inputValue.u32(-1), /does not fit/);
  });

  it('round-trips through the CSV a group is uploaded as', () => {
    const values = [
      inputValue.u32(97),
      inputValue.text('héllo'),
      inputValue.hex('0x00ff'),
      inputValue.json([1, 2]),
    ];
    assert.deepEqual(parseInputCsv(new TextEncoder().encode(encodeInputCsv(values))), values);
  });

  it('refuses hex that is not whole bytes', () => {
    assert.throws(() => inputValue.hex('abc'), /even number of hex digits/);
    assert.throws(() => inputValue.hex('zz'), /hex digits/);
  });
});
