/**
 * A columnar, typed-array dataset: one array per column, a schema per column.
 *
 * - numeric storage: `Float64Array`, NaN = missing;
 * - categorical storage: dictionary-encoded `Int32Array` codes into `categories` (-1 = missing).
 *
 * Each column also has a role (`numeric` | `categorical` feature, `target`, `id`): the role says
 * what the column is for, the storage type says how it is held. A numeric feature is always
 * numeric storage and a categorical feature categorical storage; a target or id may be either
 * (`churn` Yes/No is a categorical target, `customer_id` a categorical id).
 *
 * Datasets are immutable: `select`, `take` and `withColumns` return new datasets (sharing column
 * arrays where nothing changes).
 */
export type ColumnRole = 'numeric' | 'categorical' | 'target' | 'id';
export type ColumnType = 'numeric' | 'categorical';

export interface ColumnSchema {
  readonly name: string;
  readonly role: ColumnRole;
  readonly type: ColumnType;
}

export interface NumericColumn {
  readonly type: 'numeric';
  readonly name: string;
  readonly role: ColumnRole;
  /** One value per row, NaN = missing. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly type: 'categorical';
  readonly name: string;
  readonly role: ColumnRole;
  /** One code per row into `categories`, -1 = missing. */
  readonly codes: Int32Array;
  /** The dictionary, in order of first appearance unless the builder said otherwise. */
  readonly categories: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** The dataset error: every message names the bad argument and what to do. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Creates a numeric column (role defaults to `numeric`). */
export function numericColumn(name: string, values: Float64Array | readonly number[], role: ColumnRole = 'numeric'): NumericColumn {
  if (role === 'categorical') throw new DatasetError(`column '${name}': role 'categorical' needs categorical storage; use categoricalColumn()`);
  return { type: 'numeric', name, role, values: values instanceof Float64Array ? values : Float64Array.from(values) };
}

/**
 * Creates a categorical column from codes and a dictionary (role defaults to `categorical`).
 * Codes must be -1 or valid indices into `categories`.
 */
export function categoricalColumn(
  name: string,
  codes: Int32Array,
  categories: readonly string[],
  role: ColumnRole = 'categorical',
): CategoricalColumn {
  if (role === 'numeric') throw new DatasetError(`column '${name}': role 'numeric' needs numeric storage; use numericColumn()`);
  const k = categories.length;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < -1 || c >= k) throw new DatasetError(`column '${name}': code ${c} at row ${i} is outside [-1, ${k - 1}]`);
  }
  return { type: 'categorical', name, role, codes, categories };
}

/**
 * Creates a categorical column from string values (null, undefined = missing); the dictionary is
 * in order of first appearance.
 */
export function categoricalFromValues(
  name: string,
  values: readonly (string | null | undefined)[],
  role: ColumnRole = 'categorical',
): CategoricalColumn {
  const dict = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = dict.get(v);
    if (code === undefined) {
      code = categories.length;
      dict.set(v, code);
      categories.push(v);
    }
    codes[i] = code;
  }
  return categoricalColumn(name, codes, categories, role);
}

function columnLength(c: Column): number {
  return c.type === 'numeric' ? c.values.length : c.codes.length;
}

export class Dataset {
  readonly rowCount: number;
  readonly columns: readonly Column[];
  private readonly byName: ReadonlyMap<string, Column>;

  /**
   * @param columns all of the same length, unique names. With no columns the row count is
   *   `rowCount` (default 0).
   */
  constructor(columns: readonly Column[], rowCount?: number) {
    const byName = new Map<string, Column>();
    const n = columns.length > 0 ? columnLength(columns[0]!) : (rowCount ?? 0);
    for (const c of columns) {
      if (byName.has(c.name)) throw new DatasetError(`duplicate column name '${c.name}': column names must be unique`);
      const len = columnLength(c);
      if (len !== n) throw new DatasetError(`column '${c.name}' has ${len} rows, expected ${n} like '${columns[0]!.name}'`);
      byName.set(c.name, c);
    }
    if (rowCount !== undefined && rowCount !== n) throw new DatasetError(`rowCount ${rowCount} does not match the columns' length ${n}`);
    this.rowCount = n;
    this.columns = columns;
    this.byName = byName;
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  get schema(): ColumnSchema[] {
    return this.columns.map((c) => ({ name: c.name, role: c.role, type: c.type }));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The column called `name`; throws `DatasetError` naming the known columns if there is none. */
  column(name: string): Column {
    const c = this.byName.get(name);
    if (c === undefined) throw new DatasetError(`unknown column '${name}'; the dataset has: ${this.columnNames.join(', ')}`);
    return c;
  }

  /** The values of a numeric column; throws if the column is unknown or categorical. */
  numeric(name: string): Float64Array {
    const c = this.column(name);
    if (c.type !== 'numeric') throw new DatasetError(`column '${name}' is categorical, not numeric; use categorical('${name}')`);
    return c.values;
  }

  /** A categorical column; throws if the column is unknown or numeric. */
  categorical(name: string): CategoricalColumn {
    const c = this.column(name);
    if (c.type !== 'categorical') throw new DatasetError(`column '${name}' is numeric, not categorical; use numeric('${name}')`);
    return c;
  }

  /** The value at a row as the raw record would have it: number, string or null (missing). */
  value(name: string, row: number): number | string | null {
    const c = this.column(name);
    if (!Number.isInteger(row) || row < 0 || row >= this.rowCount) throw new DatasetError(`row ${row} is outside [0, ${this.rowCount - 1}]`);
    if (c.type === 'numeric') {
      const v = c.values[row]!;
      return Number.isNaN(v) ? null : v;
    }
    const code = c.codes[row]!;
    return code < 0 ? null : c.categories[code]!;
  }

  /** Row `row` as a plain record (for serving parity tests and debugging). */
  record(row: number): Record<string, number | string | null> {
    const out: Record<string, number | string | null> = {};
    for (const c of this.columns) out[c.name] = this.value(c.name, row);
    return out;
  }

  /** A dataset with only the named columns, in the order given. */
  select(names: readonly string[]): Dataset {
    return new Dataset(
      names.map((n) => this.column(n)),
      this.rowCount,
    );
  }

  /** A dataset without the named columns (unknown names are an error). */
  drop(names: readonly string[]): Dataset {
    for (const n of names) this.column(n);
    const dropped = new Set(names);
    return new Dataset(
      this.columns.filter((c) => !dropped.has(c.name)),
      this.rowCount,
    );
  }

  /** The rows at `indices` (in that order; repeats allowed), every column; dictionaries are kept. */
  take(indices: ArrayLike<number>): Dataset {
    const n = indices.length;
    for (let i = 0; i < n; i++) {
      const r = indices[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= this.rowCount) {
        throw new DatasetError(`take: index ${r} at position ${i} is outside [0, ${this.rowCount - 1}]`);
      }
    }
    const cols = this.columns.map((c): Column => {
      if (c.type === 'numeric') {
        const out = new Float64Array(n);
        const src = c.values;
        for (let i = 0; i < n; i++) out[i] = src[indices[i]!]!;
        return { ...c, values: out };
      }
      const out = new Int32Array(n);
      const src = c.codes;
      for (let i = 0; i < n; i++) out[i] = src[indices[i]!]!;
      return { ...c, codes: out };
    });
    return new Dataset(cols, n);
  }

  /** A dataset with `columns` added, or replacing same-named columns in place. */
  withColumns(columns: readonly Column[]): Dataset {
    const replace = new Map(columns.map((c) => [c.name, c]));
    const out: Column[] = this.columns.map((c) => replace.get(c.name) ?? c);
    for (const c of columns) if (!this.byName.has(c.name)) out.push(c);
    return new Dataset(out, this.rowCount);
  }

  /**
   * Binary labels from a column: 1 where the value equals `positive`, 0 otherwise. Missing
   * values are an error (a label must be known).
   * @param positive the positive class, e.g. 'Yes' for a categorical target or 1 for a numeric one.
   */
  labels(name: string, positive: string | number): Uint8Array {
    const c = this.column(name);
    const y = new Uint8Array(this.rowCount);
    if (c.type === 'categorical') {
      const pos = c.categories.indexOf(String(positive));
      for (let i = 0; i < this.rowCount; i++) {
        const code = c.codes[i]!;
        if (code < 0) throw new DatasetError(`labels: column '${name}' is missing at row ${i}; drop unlabeled rows first`);
        y[i] = code === pos ? 1 : 0;
      }
    } else {
      const pos = Number(positive);
      for (let i = 0; i < this.rowCount; i++) {
        const v = c.values[i]!;
        if (Number.isNaN(v)) throw new DatasetError(`labels: column '${name}' is missing at row ${i}; drop unlabeled rows first`);
        y[i] = v === pos ? 1 : 0;
      }
    }
    return y;
  }

  /**
   * Builds a dataset from plain records with a schema (tests, small batches, the REST path).
   * Numeric columns accept numbers, numeric strings, null/undefined/'' (missing); anything else
   * is an error naming the row and column.
   */
  static fromRecords(records: readonly Readonly<Record<string, unknown>>[], schema: readonly ColumnSchema[]): Dataset {
    const cols = schema.map((s): Column => {
      if (s.type === 'numeric') {
        const v = new Float64Array(records.length);
        for (let i = 0; i < records.length; i++) v[i] = toNumber(records[i]![s.name], s.name, i);
        return numericColumn(s.name, v, s.role);
      }
      const vals = records.map((r, i) => toCategory(r[s.name], s.name, i));
      return categoricalFromValues(s.name, vals, s.role);
    });
    return new Dataset(cols, records.length);
  }
}

/** Converts a raw value to a number: null/undefined/'' -> NaN; numeric strings parsed; else an error. */
export function toNumber(raw: unknown, column: string, row?: number): number {
  if (raw === null || raw === undefined) return NaN;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const t = raw.trim();
    if (raw === '') return NaN;
    const v = t === '' ? NaN : Number(t);
    if (t !== '' && !Number.isNaN(v)) return v;
  }
  const where = row === undefined ? '' : ` at row ${row}`;
  throw new DatasetError(`column '${column}'${where}: expected a number or null, got ${JSON.stringify(raw)}`);
}

/** Converts a raw value to a category: null/undefined/'' -> null; numbers become their string. */
export function toCategory(raw: unknown, column: string, row?: number): string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  const where = row === undefined ? '' : ` at row ${row}`;
  throw new DatasetError(`column '${column}'${where}: expected a string, number or null, got ${typeof raw}`);
}
