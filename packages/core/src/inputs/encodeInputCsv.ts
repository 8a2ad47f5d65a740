import { encodeBase64 } from '../encoding/base64.ts';

/**
 * Rebuilds an input group's CSV from its values in order, the way seed 004's server served it: one
 * base64 value per line, `\n` line endings, the empty value written as `""`.
 *
 * @example
 * encodeInputCsv([new Uint8Array([0, 0, 0, 7])]); // 'AAAABw==\n'
 */
export function encodeInputCsv(values: readonly Uint8Array[]): string {
  let csv = '';
  for (const value of values) csv += `${value.length === 0 ? '""' : encodeBase64(value)}\n`;
  return csv;
}
