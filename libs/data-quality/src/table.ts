/** A cell: numbers (NaN = missing), strings, booleans; null / undefined = missing. */
export type DqValue = string | number | boolean | null | undefined;

/** A column: numbers as Float64Array (NaN = missing) or any array of cells. */
export type DqColumn = Float64Array | readonly DqValue[];

/** Column-oriented table: column name -> values, all columns of the same length. */
export type DqTable = Readonly<Record<string, DqColumn>>;

/** A JSON-safe cell as reported in results (NaN and undefined become null). */
export type JsonCell = string | number | boolean | null;

/** Missing as Great Expectations / pandas see it: null, undefined or NaN. */
export function isMissing(v: DqValue): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/** JSON-safe form of a cell. */
export function toJsonCell(v: DqValue): JsonCell {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v) && Number.isNaN(v))) return null;
  return v;
}

/**
 * Number of rows of a table (0 for a table without columns).
 * @throws RangeError naming the first column whose length differs.
 */
export function rowCount(table: DqTable): number {
  let n: number | undefined;
  let first = '';
  for (const [name, col] of Object.entries(table)) {
    if (!(col instanceof Float64Array) && !Array.isArray(col)) {
      throw new TypeError(`table["${name}"] must be a Float64Array or an array of values`);
    }
    if (n === undefined) {
      n = col.length;
      first = name;
    } else if (col.length !== n) {
      throw new RangeError(`table["${name}"] has ${col.length} rows but table["${first}"] has ${n}; columns must be equally long`);
    }
  }
  return n ?? 0;
}

/** Rows `index` of every column (used for row_condition subsets). */
export function selectRows(table: DqTable, index: Int32Array): DqTable {
  const out: Record<string, DqColumn> = {};
  for (const [name, col] of Object.entries(table)) {
    if (col instanceof Float64Array) {
      const c = new Float64Array(index.length);
      for (let i = 0; i < index.length; i++) c[i] = col[index[i]];
      out[name] = c;
    } else {
      const c: DqValue[] = new Array<DqValue>(index.length);
      for (let i = 0; i < index.length; i++) c[i] = col[index[i]];
      out[name] = c;
    }
  }
  return out;
}

/** A cell as a number: numbers as they are, numeric strings parsed, anything else NaN. */
export function asNumber(v: DqValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}
