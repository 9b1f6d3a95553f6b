import type { ColumnSpec } from '@mlops/contracts';

/** How a column's raw values are checked and stored. */
export type ColumnKind = 'id' | 'numeric' | 'categorical' | 'target';

export interface SchemaColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** The data section of the platform config that the schema is built from. */
export interface DataSchemaConfig {
  readonly id_column: string;
  readonly target: { readonly column: string };
  readonly numeric_features: readonly string[];
  readonly categorical_features: readonly string[];
}

/** A checked value as stored: numbers for numeric columns, strings otherwise, null when missing. */
export type StoredValue = string | number | null;

/** Why a record or a cell was refused. `column` is the column name, null for the record as a whole. */
export interface ValueProblem {
  readonly column: string | null;
  readonly reason: string;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BLANK = /^\s*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The data schema of ingested records (config `data`): the id column (required, non-empty), the
 * numeric features (a number, or missing), the categorical features and the target (text, or
 * missing). Columns are in canonical order: id, numeric, categorical, target; stored records and
 * the canonical CSV of the content hash follow it.
 */
export class DataSchema {
  readonly columns: readonly SchemaColumn[];
  readonly names: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(config: DataSchemaConfig) {
    const columns: SchemaColumn[] = [
      { name: config.id_column, kind: 'id' },
      ...config.numeric_features.map((name) => ({ name, kind: 'numeric' as const })),
      ...config.categorical_features.map((name) => ({ name, kind: 'categorical' as const })),
      { name: config.target.column, kind: 'target' },
    ];
    const index = new Map<string, number>();
    columns.forEach((c, i) => {
      if (index.has(c.name)) throw new Error(`data schema: column "${c.name}" is listed twice; fix config data`);
      index.set(c.name, i);
    });
    this.columns = columns;
    this.names = columns.map((c) => c.name);
    this.index = index;
  }

  /** Position of a column in canonical order, or -1. */
  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }

  get idColumn(): string {
    return this.columns[0]!.name;
  }

  /**
   * Maps a CSV header to canonical positions: `order[i]` is the canonical index of header field i.
   * @returns the mapping, or a message saying what to fix (duplicate, missing, unknown columns).
   */
  mapHeader(header: readonly string[]): { order: number[] } | { problem: string } {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const h of header) {
      if (seen.has(h)) duplicates.add(h);
      seen.add(h);
    }
    const problems: string[] = [];
    if (duplicates.size > 0) {
      problems.push(`duplicate column(s) ${quoteList([...duplicates])}: every column name must appear once`);
    }
    const missing = this.names.filter((n) => !seen.has(n));
    if (missing.length > 0) problems.push(`missing required column(s) ${quoteList(missing)}`);
    const unknown = [...seen].filter((h) => !this.index.has(h));
    if (unknown.length > 0) problems.push(`unknown column(s) ${quoteList(unknown)}`);
    if (problems.length > 0) {
      return { problem: `${problems.join('; ')}. The header must hold exactly the columns ${quoteList(this.names)} (any order).` };
    }
    return { order: header.map((h) => this.index.get(h)!) };
  }

  /**
   * Checks one raw text value (a CSV field) for canonical column `c` and converts it.
   * Blank text is missing (null); the id must not be missing; a numeric column needs a decimal number.
   * @returns the stored value, or a {@link ValueProblem}.
   */
  checkText(c: number, text: string): StoredValue | ValueProblem {
    const column = this.columns[c]!;
    if (text.length === 0 || BLANK.test(text)) {
      return column.kind === 'id' ? { column: column.name, reason: 'the id is missing' } : null;
    }
    if (column.kind === 'numeric') return parseNumeric(column.name, text);
    if (text.includes('\u0000')) return { column: column.name, reason: 'the value holds a NUL character' };
    return text;
  }

  /**
   * Checks a record given as an object (REST batch, record event): every schema column present
   * (null for missing), no other column; numbers or numeric text for numeric columns, text for the
   * others. Returns the values in canonical order or every problem found.
   */
  checkObject(record: unknown): { values: StoredValue[] } | { problems: ValueProblem[] } {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { problems: [{ column: null, reason: 'expected an object of column -> value' }] };
    }
    const entries = record as Record<string, unknown>;
    const problems: ValueProblem[] = [];
    const values: StoredValue[] = new Array<StoredValue>(this.columns.length).fill(null);
    for (const key of Object.keys(entries)) {
      if (!this.index.has(key)) problems.push({ column: key, reason: `unknown column (the schema has ${this.names.join(', ')})` });
    }
    this.columns.forEach((column, c) => {
      if (!Object.prototype.hasOwnProperty.call(entries, column.name)) {
        problems.push({ column: column.name, reason: 'missing column (send null for a missing value)' });
        return;
      }
      const v = entries[column.name];
      let checked: StoredValue | ValueProblem;
      if (v === null) checked = column.kind === 'id' ? { column: column.name, reason: 'the id is missing' } : null;
      else if (typeof v === 'string') {
        checked = LONE_SURROGATE.test(v)
          ? { column: column.name, reason: 'the text holds a lone UTF-16 surrogate (not valid Unicode)' }
          : this.checkText(c, v);
      }
      else if (typeof v === 'number') {
        if (column.kind !== 'numeric') checked = { column: column.name, reason: `expected text, got the number ${v}` };
        else if (!Number.isFinite(v)) checked = { column: column.name, reason: `expected a finite number, got ${v}` };
        else checked = v;
      } else checked = { column: column.name, reason: `expected ${column.kind === 'numeric' ? 'a number' : 'text'} or null, got ${describeType(v)}` };
      if (isProblem(checked)) problems.push(checked);
      else values[c] = checked;
    });
    return problems.length > 0 ? { problems } : { values };
  }

  /** Column list with logical types; `integer` for a numeric column whose stored values are all integers. */
  columnSpecs(integerColumns: ReadonlySet<string>): ColumnSpec[] {
    return this.columns.map((c) => ({
      name: c.name,
      type: c.kind === 'numeric' ? (integerColumns.has(c.name) ? 'integer' : 'float') : 'string',
    }));
  }

  /** The canonical CSV header line (with its LF). */
  canonicalHeader(): string {
    return `${this.names.map(csvField).join(',')}\n`;
  }
}

export function isProblem(v: StoredValue | ValueProblem): v is ValueProblem {
  return v !== null && typeof v === 'object';
}

function parseNumeric(column: string, text: string): number | ValueProblem {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    if (Number.isFinite(n)) return n;
  }
  return { column, reason: `expected a number, got ${JSON.stringify(truncate(text, 80))}` };
}

/** One canonical CSV line (RFC 4180, LF): numbers as JavaScript prints them, missing as empty. */
export function canonicalCsvLine(values: readonly StoredValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += ',';
    if (v === null || v === undefined) continue;
    line += typeof v === 'number' ? String(v) : csvField(v);
  }
  return `${line}\n`;
}

const NEEDS_QUOTES = /[",\n\r]/;

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function describeType(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
