import { RegistryError } from '@mlops/registry';

/** A JSON body or a parsed query string. */
export type RequestValues = Readonly<Record<string, unknown>> | undefined | null;

function missing(name: string): RegistryError {
  return RegistryError.invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

function first(values: RequestValues, name: string): unknown {
  const value = values?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Required string (query strings and JSON bodies alike). */
export function requiredString(values: RequestValues, name: string): string {
  const value = first(values, name);
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw RegistryError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}': expected a string`);
  }
  return String(value);
}

export function optionalString(values: RequestValues, name: string): string | undefined {
  const value = first(values, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw RegistryError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}': expected a string`);
  }
  return String(value);
}

/** An integer given as a JSON number or a decimal string (int64 fields arrive as strings from proto JSON). */
export function optionalInteger(values: RequestValues, name: string): number | undefined {
  const value = first(values, name);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw RegistryError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected an integer`);
  }
  return n;
}

export function requiredInteger(values: RequestValues, name: string): number {
  const n = optionalInteger(values, name);
  if (n === undefined) throw missing(name);
  return n;
}

/** A double: a JSON number, or proto JSON's "NaN", "Infinity", "-Infinity", or a numeric string. */
export function requiredDouble(values: RequestValues, name: string): number {
  const value = first(values, name);
  return toDouble(value, name);
}

export function toDouble(value: unknown, name: string): number {
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    if (value.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw RegistryError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}': expected a number`);
}

export function optionalBoolean(values: RequestValues, name: string): boolean | undefined {
  const value = first(values, name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  throw RegistryError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}': expected true or false`);
}

/** A list: a JSON array, repeated query parameters, or one value. */
export function stringList(values: RequestValues, name: string): string[] {
  const value = values?.[name];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw RegistryError.invalid(`Invalid value ${JSON.stringify(v)} in list parameter '${name}': expected strings`);
    }
    return String(v);
  });
}

/** `[{ key, value }]` from a JSON body (tags, params). */
export function keyValues(values: RequestValues, name: string): { key: string; value: string }[] {
  const value = values?.[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw RegistryError.invalid(`Parameter '${name}' must be a list of {key, value}`);
  return value.map((item: unknown) => {
    const entry = item as { key?: unknown; value?: unknown } | null;
    if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string') {
      throw RegistryError.invalid(`Each entry of '${name}' needs a string key: got ${JSON.stringify(item)}`);
    }
    const v = entry.value;
    return { key: entry.key, value: v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v) };
  });
}
