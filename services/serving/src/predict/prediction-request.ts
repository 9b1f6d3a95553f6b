import type { InputColumn } from '../model/model-metadata.js';
import type { ServingRow } from '../model/explainer.js';
import { ServingError } from './serving.error.js';

/** One input row before the model is known: raw columns, or a customer whose features the store holds. */
export type PredictInput =
  | { readonly kind: 'raw'; readonly values: Readonly<Record<string, unknown>>; readonly field: string }
  | { readonly kind: 'customer'; readonly customerId: string; readonly field: string };

/** A prediction request in the shape both REST and gRPC reduce to. */
export interface PredictionRequest {
  readonly inputs: readonly PredictInput[];
  /** True for `{ rows: [...] }` / PredictBatch: the answer is a list. */
  readonly batch: boolean;
  /** Top-k SHAP contributions to return; 0 = no explanation. */
  readonly explainK: number;
  /** The caller's id (of the request; a batch's rows get their own ids). */
  readonly requestId: string | undefined;
  /** An alias the caller asked for explicitly (bypasses canary routing). */
  readonly alias: string | undefined;
}

/** Default number of contributions when explanations are asked for without a count. */
export const DEFAULT_TOP_K = 5;
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BODY_KEYS = new Set(['customer', 'customerId', 'rows', 'explain', 'topK', 'requestId', 'model']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function customerInput(id: unknown, field: string): PredictInput {
  if (typeof id !== 'string' || !CUSTOMER_ID.test(id))
    throw ServingError.invalid(field, `expected a customer id (letters, digits, _ and -, at most 64), got ${JSON.stringify(id)}`);
  return { kind: 'customer', customerId: id, field };
}

function rowInput(item: unknown, field: string): PredictInput {
  if (!isObject(item)) throw ServingError.invalid(field, `expected an object of raw columns, { customer: {...} } or { customerId }, got ${describe(item)}`);
  const keys = Object.keys(item);
  if (keys.length === 1 && keys[0] === 'customerId') return customerInput(item['customerId'], `${field}.customerId`);
  if (keys.length === 1 && keys[0] === 'customer') {
    const c = item['customer'];
    if (!isObject(c)) throw ServingError.invalid(`${field}.customer`, `expected an object of raw columns, got ${describe(c)}`);
    return { kind: 'raw', values: c, field };
  }
  return { kind: 'raw', values: item, field };
}

/**
 * Reads a `POST /predict` body: `{ customer: {...raw columns} }`, `{ customerId }` or
 * `{ rows: [ {...raw columns} | { customer } | { customerId } ] }` (1 to `maxBatch` rows), plus
 * `explain` (true, or k), `topK`, `requestId` (a UUID) and `model: { alias }`. `queryExplain` is
 * `?explain=k`.
 * @throws ServingError (400) naming the bad field.
 */
export function parsePredictBody(body: unknown, maxBatch: number, queryExplain?: string): PredictionRequest {
  if (!isObject(body)) throw ServingError.invalid('body', `expected a JSON object, got ${describe(body)}`);
  for (const k of Object.keys(body))
    if (!BODY_KEYS.has(k)) throw ServingError.invalid(k, `unknown field; the body takes customer, customerId or rows, and explain, topK, requestId, model`);
  const given = ['customer', 'customerId', 'rows'].filter((k) => body[k] !== undefined);
  if (given.length !== 1)
    throw ServingError.invalid('body', given.length === 0 ? 'give one of customer, customerId or rows' : `give only one of ${given.join(', ')}`);
  let inputs: PredictInput[];
  let batch = false;
  if (body['rows'] !== undefined) {
    const rows = body['rows'];
    if (!Array.isArray(rows)) throw ServingError.invalid('rows', `expected an array of rows, got ${describe(rows)}`);
    if (rows.length === 0) throw ServingError.invalid('rows', 'expected at least one row');
    if (rows.length > maxBatch) throw ServingError.invalid('rows', `${rows.length} rows, at most ${maxBatch} per request (serving.max_batch_size)`);
    inputs = rows.map((r, i) => rowInput(r, `rows[${i}]`));
    batch = true;
  } else if (body['customerId'] !== undefined) {
    inputs = [customerInput(body['customerId'], 'customerId')];
  } else {
    const c = body['customer'];
    if (!isObject(c)) throw ServingError.invalid('customer', `expected an object of raw columns, got ${describe(c)}`);
    inputs = [{ kind: 'raw', values: c, field: 'customer' }];
  }
  const requestId = body['requestId'];
  if (requestId !== undefined && (typeof requestId !== 'string' || !UUID.test(requestId)))
    throw ServingError.invalid('requestId', `expected a UUID, got ${describe(requestId)}`);
  let alias: string | undefined;
  const model = body['model'];
  if (model !== undefined) {
    if (!isObject(model) || typeof model['alias'] !== 'string' || Object.keys(model).length !== 1)
      throw ServingError.invalid('model', `expected { alias: "champion" | "challenger" | ... }, got ${describe(model)}`);
    alias = model['alias'];
  }
  return { inputs, batch, explainK: explainCount(body['explain'], body['topK'], queryExplain), requestId: requestId as string | undefined, alias };
}

function explainCount(explain: unknown, topK: unknown, query: string | undefined): number {
  if (query !== undefined) {
    if (query === '' || query === 'true') return DEFAULT_TOP_K;
    const k = Number(query);
    if (!Number.isInteger(k) || k < 0 || k > 1000) throw ServingError.invalid('explain', `?explain= takes a number of contributions from 0 to 1000, got '${query}'`);
    return k;
  }
  if (topK !== undefined && (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 0 || topK > 1000))
    throw ServingError.invalid('topK', `expected an integer from 0 to 1000, got ${describe(topK)}`);
  if (explain === undefined || explain === false) return 0;
  if (explain === true) return (topK as number | undefined) || DEFAULT_TOP_K;
  if (typeof explain === 'number' && Number.isInteger(explain) && explain >= 0 && explain <= 1000) return explain;
  throw ServingError.invalid('explain', `expected true, false or a number of contributions (0 to 1000), got ${describe(explain)}`);
}

/**
 * Checks one raw row against the model's columns and copies exactly those columns: every column
 * present (null = missing), no other column, numbers finite (JSON cannot carry NaN or Infinity,
 * so strings like "NaN" in a numeric column are rejected), strings at most 1024 characters.
 * @throws ServingError (400) naming `<field>.<column>`.
 */
export function checkRow(values: Readonly<Record<string, unknown>>, columns: readonly InputColumn[], index: ReadonlyMap<string, InputColumn>, field: string): ServingRow {
  const out: Record<string, number | string | null> = {};
  let seen = 0;
  for (const key in values) {
    if (!index.has(key)) throw ServingError.invalid(`${field}.${key}`, `unknown column; the model reads ${columnList(columns)}`);
    seen++;
  }
  if (seen !== columns.length) {
    const missing = columns.filter((c) => !(c.name in values)).map((c) => c.name);
    throw ServingError.invalid(`${field}.${missing[0]}`, `missing column${missing.length > 1 ? ` (and ${missing.length - 1} more: ${missing.slice(1, 6).join(', ')})` : ''}; send null for a missing value`);
  }
  for (const c of columns) {
    const v = values[c.name];
    if (v === null) out[c.name] = null;
    else if (c.type === 'number') {
      if (typeof v !== 'number') throw ServingError.invalid(`${field}.${c.name}`, `expected a finite number or null, got ${describe(v)}${typeof v === 'string' && /^\s*[-+]?(nan|inf|infinity)\s*$/i.test(v) ? ' (NaN and Infinity are not accepted; send null for a missing value)' : ''}`);
      if (!Number.isFinite(v)) throw ServingError.invalid(`${field}.${c.name}`, `expected a finite number, got ${v}`);
      out[c.name] = v;
    } else {
      if (typeof v !== 'string') throw ServingError.invalid(`${field}.${c.name}`, `expected a string or null, got ${describe(v)}`);
      if (v.length > 1024) throw ServingError.invalid(`${field}.${c.name}`, `expected at most 1024 characters, got ${v.length}`);
      out[c.name] = v;
    }
  }
  return out;
}

function columnList(columns: readonly InputColumn[]): string {
  const names = columns.map((c) => c.name);
  return names.length <= 25 ? names.join(', ') : `${names.slice(0, 25).join(', ')}, ... (${names.length} columns)`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
