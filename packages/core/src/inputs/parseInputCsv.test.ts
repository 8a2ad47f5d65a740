import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INPUT_VALUE_SIZE_BYTES_MAX } from '../limits.ts';
import { encodeInputCsv } from './encodeInputCsv.ts';
import { parseInputCsv } from './parseInputCsv.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('input CSV', () => {
  it('round-trips values, empty ones included, in order', () => {
    const values = [
      new Uint8Array([0, 0, 0, 7]),
      new Uint8Array(0),
      new Uint8Array([255, 1]),
      new Uint8Array(300).fill(9),
    ];
    assert.deepEqual(parseInputCsv(text(encodeInputCsv(values))), values);
  });

  it('accepts CRLF line ends, quoted values and blank lines', () => {
    assert.deepEqual(parseInputCsv(text('"AAAABw=="\r\n\r\nAAAACw==\r\n')), [
      new Uint8Array([0, 0, 0, 7]),
      new Uint8Array([0, 0, 0, 11]),
    ]);
  });

  it('names the row of a bad base64 value', () => {
    for (const bad of ['AAAABw', 'AAAA Bw==', 'AAAA_w==', '!!!!']) {
      assert.throws(
        () => parseInputCsv(text(`AAAABw==\n${bad}\n`)),
        (error: Error & { code?: string }) =>
          error.code === 'BAD_BASE_64_ENCODING' && /Row 2/.test(error.message),
        bad,
      );
    }
  });

  it('refuses more than one column, unbalanced quotes, non-UTF-8 and an empty file', () => {
    const cases: [Uint8Array, RegExp][] = [
      [text('AAAABw==,AAAACw==\n'), /more than one column/],
      [text('"AAAABw==\n'), /quotes/],
      [new Uint8Array([0xff, 0xfe, 0x0a]), /not UTF-8/],
      [text(''), /no value/],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(
        () => parseInputCsv(bytes),
        (error: Error & { code?: string }) => error.code === 'INVALID_CSV' && message.test(error.message),
      );
    }
  });

  it('accepts a value at the size limit and refuses one byte more', () => {
    const atLimit = Buffer.alloc(INPUT_VALUE_SIZE_BYTES_MAX).toString('base64');
    assert.equal(parseInputCsv(text(`${atLimit}\n`))[0]?.length, INPUT_VALUE_SIZE_BYTES_MAX);
    const over = Buffer.alloc(INPUT_VALUE_SIZE_BYTES_MAX + 1).toString('base64');
    assert.throws(
      () => parseInputCsv(text(`${over}\n`)),
      (error: Error & { code?: string }) => error.code === 'PAYLOAD_TOO_LARGE',
    );
  });
});
