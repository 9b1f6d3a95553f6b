import { RegistryError } from '../registry.error.js';
import {
  RUN_ATTRIBUTES,
  type Comparator,
  type RunAttribute,
  type RunFilterClause,
  type RunOrder,
} from './tracking.types.js';

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'lparen' }
  | { t: 'rparen' }
  | { t: 'comma' };

const PREFIXES: Record<string, RunFilterClause['kind']> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const ATTRIBUTE_ALIASES: Record<string, RunAttribute> = {
  run_id: 'run_id',
  run_uuid: 'run_id',
  id: 'run_id',
  run_name: 'run_name',
  'run name': 'run_name',
  status: 'status',
  start_time: 'start_time',
  end_time: 'end_time',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
};

const NUMERIC = new Set<Comparator>(['=', '!=', '>', '>=', '<', '<=']);
const STRINGS = new Set<Comparator>(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);

function invalid(filter: string, why: string): RegistryError {
  return RegistryError.invalid(`Invalid filter '${filter}': ${why}`);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'" || c === '`') {
      const end = filter.indexOf(c, i + 1);
      if (end < 0) throw invalid(filter, `unterminated ${c}quoted${c} text at position ${i}`);
      const text = filter.slice(i + 1, end);
      // A backticked or quoted key directly after a dot belongs to the identifier (metrics.`my auc`).
      const last = tokens[tokens.length - 1];
      if ((c === '`' || last?.t === 'ident') && last?.t === 'ident' && last.v.endsWith('.')) last.v += text;
      else if (c === '`') tokens.push({ t: 'ident', v: text });
      else tokens.push({ t: 'string', v: text });
      i = end + 1;
    } else if (c === '(') {
      tokens.push({ t: 'lparen' });
      i++;
    } else if (c === ')') {
      tokens.push({ t: 'rparen' });
      i++;
    } else if (c === ',') {
      tokens.push({ t: 'comma' });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = filter.slice(i, i + 2);
      const op = ['!=', '>=', '<=', '=='].includes(two) ? two : c;
      if (op === '!') throw invalid(filter, `unexpected '!' at position ${i}`);
      tokens.push({ t: 'op', v: op === '==' ? '=' : op });
      i += op.length;
    } else if (/[-+\d.]/.test(c) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(filter.slice(i))) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(filter.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'number', v: Number(m[0]) });
      i += m[0].length;
    } else {
      const m = /^[\w.\-/:]+/.exec(filter.slice(i));
      if (m === null) throw invalid(filter, `unexpected '${c}' at position ${i}`);
      tokens.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

function parseIdentifier(filter: string, raw: string): { kind: RunFilterClause['kind']; key: string } {
  const dot = raw.indexOf('.');
  if (dot > 0) {
    const kind = PREFIXES[raw.slice(0, dot).toLowerCase()];
    if (kind !== undefined) {
      const key = raw.slice(dot + 1);
      if (key === '') throw invalid(filter, `missing key after '${raw}'`);
      return { kind, key };
    }
  }
  if (ATTRIBUTE_ALIASES[raw.toLowerCase()] !== undefined) return { kind: 'attribute', key: raw };
  throw invalid(
    filter,
    `'${raw}' is not an entity: expected metrics.<key>, params.<key>, tags.<key> or attributes.<${RUN_ATTRIBUTES.join('|')}>`,
  );
}

/**
 * Parses MLflow's `search_runs` filter: clauses joined by AND (case-insensitive; OR is not supported,
 * as in MLflow), each `<entity>.<key> <comparator> <value>`: metrics compare with a number
 * (=, !=, >, >=, <, <=); params and tags with a quoted string (=, !=, LIKE, ILIKE, IN (...),
 * NOT IN (...)); attributes run_id, run_name, status, user_id, artifact_uri as strings, start_time,
 * end_time as numbers. Keys with spaces go in backticks. An empty filter is no clause.
 *
 * @throws RegistryError INVALID_PARAMETER_VALUE naming the filter and what is wrong.
 */
export function parseRunFilter(filter: string | undefined): RunFilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: RunFilterClause[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  while (i < tokens.length) {
    const id = next();
    if (id?.t !== 'ident') throw invalid(filter, 'expected an identifier such as metrics.auc at the start of a clause');
    const { kind, key } = parseIdentifier(filter, id.v);
    let opToken = next();
    let comparator: Comparator;
    if (opToken?.t === 'op') comparator = opToken.v as Comparator;
    else if (opToken?.t === 'ident') {
      const word = opToken.v.toUpperCase();
      if (word === 'NOT') {
        opToken = next();
        if (opToken?.t !== 'ident' || opToken.v.toUpperCase() !== 'IN') throw invalid(filter, "expected IN after NOT");
        comparator = 'NOT IN';
      } else if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') comparator = word;
      else throw invalid(filter, `unknown comparator '${opToken.v}'`);
    } else throw invalid(filter, `expected a comparator after '${id.v}'`);

    let value: string | number | string[];
    const v = next();
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (v?.t !== 'lparen') throw invalid(filter, `expected '(' after ${comparator}`);
      const list: string[] = [];
      for (;;) {
        const item = next();
        if (item?.t !== 'string') throw invalid(filter, `expected quoted strings in the ${comparator} list`);
        list.push(item.v);
        const sep = next();
        if (sep?.t === 'rparen') break;
        if (sep?.t !== 'comma') throw invalid(filter, `expected ',' or ')' in the ${comparator} list`);
      }
      value = list;
    } else if (v?.t === 'number') value = v.v;
    else if (v?.t === 'string') value = v.v;
    else throw invalid(filter, `expected a value after '${id.v} ${comparator}'`);

    if (kind === 'metric') {
      if (typeof value !== 'number' || !NUMERIC.has(comparator)) {
        throw invalid(filter, `metrics.${key} must be compared with a number using =, !=, >, >=, <, <=`);
      }
      clauses.push({ kind, key, comparator, value });
    } else if (kind === 'param' || kind === 'tag') {
      if (typeof value === 'number' || !STRINGS.has(comparator)) {
        throw invalid(filter, `${kind}s.${key} must be compared with a quoted string using =, !=, LIKE, ILIKE, IN, NOT IN`);
      }
      clauses.push({ kind, key, comparator, value });
    } else {
      const attribute = ATTRIBUTE_ALIASES[key.toLowerCase()];
      if (attribute === undefined) throw invalid(filter, `unknown attribute '${key}'`);
      const numeric = attribute === 'start_time' || attribute === 'end_time';
      if (numeric ? typeof value !== 'number' || !NUMERIC.has(comparator) : typeof value === 'number' || !STRINGS.has(comparator)) {
        throw invalid(filter, `attributes.${attribute} must be compared with a ${numeric ? 'number' : 'quoted string'}`);
      }
      clauses.push({ kind, key: attribute, comparator, value });
    }

    if (i < tokens.length) {
      const joiner = next();
      if (joiner?.t !== 'ident' || joiner.v.toUpperCase() !== 'AND') {
        throw invalid(filter, 'clauses must be joined by AND (OR is not supported)');
      }
      if (i >= tokens.length) throw invalid(filter, 'a clause must follow AND');
    }
  }
  return clauses;
}

/**
 * Parses MLflow `order_by` entries: `metrics.auc DESC`, `params.model`, `attributes.start_time ASC`,
 * `start_time` (ascending unless DESC).
 */
export function parseRunOrder(orderBy: readonly string[] | undefined): RunOrder[] {
  return (orderBy ?? []).map((entry) => {
    const m = /^\s*(`[^`]+`|[^\s]+(?:\.`[^`]+`)?)\s*(ASC|DESC)?\s*$/i.exec(entry);
    if (m === null) throw RegistryError.invalid(`Invalid order_by clause '${entry}'`);
    const raw = (m[1] as string).replace(/`/g, '');
    const ascending = (m[2] ?? 'ASC').toUpperCase() === 'ASC';
    const { kind, key } = parseIdentifier(entry, raw);
    if (kind === 'attribute') {
      const attribute = ATTRIBUTE_ALIASES[key.toLowerCase()];
      if (attribute === undefined) throw RegistryError.invalid(`Invalid order_by clause '${entry}': unknown attribute '${key}'`);
      return { kind, key: attribute, ascending };
    }
    return { kind, key, ascending };
  });
}

/** MLflow-style page tokens: base64 of `{"offset": n}`. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0) {
      return parsed.offset;
    }
  } catch {
    // fall through
  }
  throw RegistryError.invalid(`Invalid page token '${token}': pass the next_page_token of the previous response`);
}
