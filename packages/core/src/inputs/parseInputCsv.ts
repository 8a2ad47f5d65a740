import { assert } from '../assert.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import { BadBase64EncodingError, InvalidCsvError, PayloadTooLargeError } from '../errors/errors.ts';
import {
  INPUT_CSV_SIZE_BYTES_MAX,
  INPUT_VALUE_SIZE_BYTES_MAX,
  INPUT_VALUES_PER_GROUP_MAX,
} from '../limits.ts';

/**
 * Parses one input group as seed 004 defined it: a CSV file with a single column and no header, each row a
 * standard base64 value. Returns the decoded values in row order. Blank lines are skipped; a row may be
 * quoted (`""` is the empty value).
 *
 * @throws {BadBase64EncodingErrorType} a row is not valid base64
 * @throws {InvalidCsvErrorType} a row has more than one column, the file is not UTF-8, or holds no value
 * @throws {PayloadTooLargeErrorType} the file, a value, or the number of values is over its limit
 */
export function parseInputCsv(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length > INPUT_CSV_SIZE_BYTES_MAX) {
    throw new PayloadTooLargeError({ what: 'input CSV file', sizeBytesMax: INPUT_CSV_SIZE_BYTES_MAX });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidCsvError({ reason: 'it is not UTF-8 text' });
  }
  const values: Uint8Array[] = [];
  const lines = text.split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const rowNumber = index + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    const field = unquote(line, rowNumber);
    const value = decodeBase64(field);
    if (value === undefined) throw new BadBase64EncodingError({ rowNumber });
    if (value.length > INPUT_VALUE_SIZE_BYTES_MAX) {
      throw new PayloadTooLargeError({
        what: `value of row ${rowNumber}`,
        sizeBytesMax: INPUT_VALUE_SIZE_BYTES_MAX,
      });
    }
    if (values.length >= INPUT_VALUES_PER_GROUP_MAX) {
      throw new InvalidCsvError({ reason: `it holds more than ${INPUT_VALUES_PER_GROUP_MAX} values` });
    }
    values.push(value);
  }
  if (values.length === 0) throw new InvalidCsvError({ reason: 'it holds no value' });
  assert(values.length <= INPUT_VALUES_PER_GROUP_MAX, 'value count within limit');
  return values;
}

function unquote(line: string, rowNumber: number): string {
  if (line.startsWith('"')) {
    if (!line.endsWith('"') || line.length < 2 || line.slice(1, -1).includes('"')) {
      throw new InvalidCsvError({ reason: 'its quotes are unbalanced', rowNumber });
    }
    return line.slice(1, -1);
  }
  if (line.includes(',')) throw new InvalidCsvError({ reason: 'it has more than one column', rowNumber });
  return line;
}
