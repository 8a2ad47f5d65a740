import { NoirInputError, NoirProgramError } from './errors.ts';

/** The types of a Noir program's ABI, as noir_wasm writes them. */
export type AbiType =
  | { kind: 'field' }
  | { kind: 'boolean' }
  | { kind: 'integer'; sign: 'signed' | 'unsigned'; width: number }
  | { kind: 'array'; length: number; type: AbiType }
  | { kind: 'string'; length: number }
  | { kind: 'struct'; path: string; fields: { name: string; type: AbiType }[] }
  | { kind: 'tuple'; fields: AbiType[] };

export type Abi = {
  parameters: { name: string; type: AbiType; visibility: string }[];
  return_type: { abi_type: AbiType; visibility: string } | null;
};

/** A parameter's or return value's value, normalized: numbers as bigints. */
export type NoirValue = bigint | boolean | string | NoirValue[] | { [name: string]: NoirValue };

/** The BN254 scalar field's modulus: every Noir value is a vector of elements below it. */
export const FIELD_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
/**
 * Whether a public input is a field element as bb.js writes it: 0x and 64 hex digits, below the modulus.
 * A value at or past the modulus could name the same element to a verifier that reduces it, yet decode
 * to another result; it is refused before any verifier sees it.
 */
export function isFieldHex(text: string): boolean {
  return /^0x[0-9a-fA-F]{64}$/.test(text) && BigInt(text) < FIELD_MODULUS;
}

/** The most field elements a task's parameters may flatten to: bounds the work of encoding and checking. */
export const NOIR_FIELDS_MAX = 65_536;

/**
 * Refuses programs ProofGrid cannot bind to their tasks: every parameter must be public, so that the
 * proof's public inputs are exactly the task's inputs and a donor cannot prove a different input.
 */
export function checkAbi(abi: Abi): void {
  const hidden = abi.parameters.filter((parameter) => parameter.visibility !== 'public');
  if (hidden.length > 0)
    throw new NoirProgramError({
      reason: `parameter(s) ${hidden.map((p) => p.name).join(', ')} of main() are not public`,
      fix: "Mark every parameter of main() `pub` (for example `fn main(number: pub u32) -> pub bool`): the hub accepts a proof only when its public inputs are the task's inputs.",
    });
  if (abi.return_type !== null && abi.return_type.visibility !== 'public')
    throw new NoirProgramError({
      reason: 'the return value of main() is not public',
      fix: 'Return `pub` values.',
    });
  const fields = abi.parameters.reduce((sum, parameter) => sum + fieldCount(parameter.type), 0);
  if (fields > NOIR_FIELDS_MAX)
    throw new NoirProgramError({
      reason: `its parameters hold ${fields} field elements, more than ${NOIR_FIELDS_MAX}`,
      fix: 'Give each task a smaller input.',
    });
}

export function fieldCount(type: AbiType): number {
  switch (type.kind) {
    case 'field':
    case 'boolean':
    case 'integer':
      return 1;
    case 'string':
      return type.length;
    case 'array':
      return type.length * fieldCount(type.type);
    case 'struct':
      return type.fields.reduce((sum, field) => sum + fieldCount(field.type), 0);
    case 'tuple':
      return type.fields.reduce((sum, field) => sum + fieldCount(field), 0);
  }
}

/**
 * The task's input values, one per parameter in order, as the seed's CSV rows hold them: a number
 * (field, integer, boolean) is its big-endian bytes, anything else is UTF-8 JSON.
 */
export function valuesFromRows(abi: Abi, rows: readonly Uint8Array[]): NoirValue[] {
  if (rows.length !== abi.parameters.length)
    throw new NoirInputError({
      reason: `main() takes ${abi.parameters.length} parameter(s) (${abi.parameters.map((p) => p.name).join(', ')}); the input group has ${rows.length} value(s)`,
    });
  return abi.parameters.map((parameter, i) => {
    const row = rows[i] ?? new Uint8Array(0);
    const type = parameter.type;
    if (type.kind === 'field' || type.kind === 'integer' || type.kind === 'boolean') {
      if (row.length === 0 || row.length > 32)
        throw new NoirInputError({
          reason: `${parameter.name}: a number is 1 to 32 big-endian bytes (got ${row.length})`,
        });
      const unsigned = BigInt(`0x${Buffer.from(row).toString('hex')}`);
      if (type.kind === 'integer' && type.sign === 'signed' && unsigned < 1n << BigInt(type.width))
        return normalize(
          unsigned >= 1n << BigInt(type.width - 1) ? unsigned - (1n << BigInt(type.width)) : unsigned,
          type,
          parameter.name,
        );
      if (type.kind === 'boolean')
        return normalize(unsigned === 1n ? true : unsigned === 0n ? false : unsigned, type, parameter.name);
      return normalize(unsigned, type, parameter.name);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(row));
    } catch {
      throw new NoirInputError({ reason: `${parameter.name}: a ${type.kind} is given as UTF-8 JSON` });
    }
    return normalize(json, type, parameter.name);
  });
}

/** Values from a `Prover.toml`-style mapping of parameter names (already parsed from TOML or JSON). */
export function valuesFromMapping(abi: Abi, mapping: Record<string, unknown>): NoirValue[] {
  const unknown = Object.keys(mapping).filter((name) => !abi.parameters.some((p) => p.name === name));
  if (unknown.length > 0)
    throw new NoirInputError({ reason: `main() has no parameter ${unknown.join(', ')}` });
  return abi.parameters.map((parameter) => {
    if (!(parameter.name in mapping)) throw new NoirInputError({ reason: `${parameter.name} is missing` });
    return normalize(mapping[parameter.name], parameter.type, parameter.name);
  });
}

/** The rows (CSV form) of values: what the hub stores for a task, whatever form it was uploaded in. */
export function rowsFromValues(abi: Abi, values: readonly NoirValue[]): Uint8Array[] {
  return abi.parameters.map((parameter, i) => {
    const value = values[i] as NoirValue;
    const type = parameter.type;
    if (type.kind === 'boolean') return new Uint8Array([value === true ? 1 : 0]);
    if (type.kind === 'field' || type.kind === 'integer') {
      const bytes = type.kind === 'field' ? 32 : Math.ceil(type.width / 8);
      let n = value as bigint;
      if (n < 0n) n += 1n << BigInt(bytes * 8);
      return new Uint8Array(Buffer.from(n.toString(16).padStart(bytes * 2, '0'), 'hex'));
    }
    return new TextEncoder().encode(JSON.stringify(toJson(value)));
  });
}

/** The values as noir_js's `execute` takes them, by parameter name. */
export function inputMap(abi: Abi, values: readonly NoirValue[]): Record<string, unknown> {
  return Object.fromEntries(
    abi.parameters.map((parameter, i) => [parameter.name, toJson(values[i] as NoirValue)]),
  );
}

/** The public inputs a proof of these values must carry, in the order bb.js gives them. */
export function publicInputsOf(abi: Abi, values: readonly NoirValue[]): string[] {
  return abi.parameters
    .flatMap((parameter, i) => flatten(values[i] as NoirValue, parameter.type))
    .map(fieldHex);
}

/** The return value, decoded from the public inputs that follow the parameters'. */
export function decodeReturn(abi: Abi, fields: readonly string[]): NoirValue | null {
  if (abi.return_type === null) return null;
  const queue = fields.map((hex) => BigInt(hex));
  const value = unflatten(queue, abi.return_type.abi_type);
  if (queue.length > 0)
    throw new NoirInputError({ reason: `${queue.length} public input(s) too many for the return type` });
  return value;
}

/** JSON for values: integers that fit a double stay numbers, wider ones and fields become strings. */
export function toJson(value: NoirValue): unknown {
  if (typeof value === 'bigint')
    return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

function normalize(value: unknown, type: AbiType, at: string): NoirValue {
  const fail = (what: string): never => {
    throw new NoirInputError({
      reason: `${at}: ${what} (got ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))?.slice(0, 80)})`,
    });
  };
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') fail('a boolean is true or false');
      return value as boolean;
    case 'field':
    case 'integer': {
      let n: bigint;
      if (typeof value === 'bigint') n = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
      else if (typeof value === 'string' && /^(-?[0-9]{1,80}|0x[0-9a-fA-F]{1,64})$/.test(value))
        n = BigInt(value);
      else return fail('a number is a whole number, a decimal string or a 0x hex string');
      if (type.kind === 'field') {
        if (n < 0n || n >= FIELD_MODULUS) fail('a field element lies between 0 and the BN254 modulus');
      } else if (type.sign === 'unsigned') {
        if (n < 0n || n >= 1n << BigInt(type.width))
          fail(`a u${type.width} lies between 0 and 2^${type.width} - 1`);
      } else if (n < -(1n << BigInt(type.width - 1)) || n >= 1n << BigInt(type.width - 1)) {
        fail(`an i${type.width} lies between -2^${type.width - 1} and 2^${type.width - 1} - 1`);
      }
      return n;
    }
    case 'string':
      if (typeof value !== 'string' || value.length !== type.length || !/^[\x20-\x7e]*$/.test(value))
        fail(`a str<${type.length}> is exactly ${type.length} printable ASCII characters`);
      return value as string;
    case 'array':
      if (!Array.isArray(value) || value.length !== type.length)
        return fail(`an array of exactly ${type.length} elements`);
      return value.map((element, i) => normalize(element, type.type, `${at}[${i}]`));
    case 'tuple':
      if (!Array.isArray(value) || value.length !== type.fields.length)
        return fail(`a tuple of ${type.fields.length} values`);
      return value.map((element, i) => normalize(element, type.fields[i] as AbiType, `${at}.${i}`));
    case 'struct': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail('a struct is a JSON object');
      const record = value as Record<string, unknown>;
      const names = type.fields.map((field) => field.name);
      const extra = Object.keys(record).filter((key) => !names.includes(key));
      if (extra.length > 0) fail(`the struct has no field ${extra.join(', ')}`);
      return Object.fromEntries(
        type.fields.map((field) => {
          if (!(field.name in record)) fail(`field ${field.name} is missing`);
          return [field.name, normalize(record[field.name], field.type, `${at}.${field.name}`)];
        }),
      );
    }
  }
}

function flatten(value: NoirValue, type: AbiType): bigint[] {
  switch (type.kind) {
    case 'boolean':
      return [value === true ? 1n : 0n];
    case 'field':
      return [value as bigint];
    case 'integer': {
      const n = value as bigint;
      return [n < 0n ? n + (1n << BigInt(type.width)) : n];
    }
    case 'string':
      return [...(value as string)].map((char) => BigInt(char.charCodeAt(0)));
    case 'array':
      return (value as NoirValue[]).flatMap((element) => flatten(element, type.type));
    case 'tuple':
      return (value as NoirValue[]).flatMap((element, i) => flatten(element, type.fields[i] as AbiType));
    case 'struct': {
      const record = value as Record<string, NoirValue>;
      return type.fields.flatMap((field) => flatten(record[field.name] as NoirValue, field.type));
    }
  }
}

function unflatten(queue: bigint[], type: AbiType): NoirValue {
  const next = (): bigint => {
    const field = queue.shift();
    if (field === undefined)
      throw new NoirInputError({ reason: 'too few public inputs for the return type' });
    return field;
  };
  switch (type.kind) {
    case 'boolean':
      return next() === 1n;
    case 'field':
      return `0x${next().toString(16).padStart(64, '0')}`;
    case 'integer': {
      const n = next();
      return type.sign === 'signed' && n >= 1n << BigInt(type.width - 1) ? n - (1n << BigInt(type.width)) : n;
    }
    case 'string':
      return String.fromCharCode(...Array.from({ length: type.length }, () => Number(next())));
    case 'array':
      return Array.from({ length: type.length }, () => unflatten(queue, type.type));
    case 'tuple':
      return type.fields.map((field) => unflatten(queue, field));
    case 'struct':
      return Object.fromEntries(type.fields.map((field) => [field.name, unflatten(queue, field.type)]));
  }
}

function fieldHex(n: bigint): string {
  return `0x${n.toString(16).padStart(64, '0')}`;
}
