import type { DriftColumn, DriftTable } from '@mlops/drift';
import type { Dataset } from '@mlops/ml';

/** The type of each column of a table, as libs/drift reads it. */
export type ColumnKinds = ReadonlyMap<string, 'numeric' | 'categorical'>;

/** Numeric columns as Float64Array (NaN = missing), categorical ones as strings (null = missing). */
export function datasetToDriftTable(dataset: Dataset): DriftTable {
  const table: Record<string, DriftColumn> = {};
  for (const column of dataset.columns) {
    if (column.type === 'numeric') table[column.name] = column.values;
    else {
      const { codes, categories } = column;
      const values = new Array<string | null>(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        values[i] = code < 0 ? null : (categories[code] as string);
      }
      table[column.name] = values;
    }
  }
  return table;
}

export function kindsOf(table: DriftTable): ColumnKinds {
  return new Map(
    Object.entries(table).map(([k, v]) => [k, v instanceof Float64Array ? 'numeric' : 'categorical']),
  );
}

/**
 * A column converted to a kind: numbers as strings for a categorical reference column (`1` -> "1"),
 * numeric strings parsed for a numeric one (anything else missing).
 */
export function coerceColumn(values: DriftColumn, kind: 'numeric' | 'categorical'): DriftColumn {
  if (kind === 'numeric') {
    if (values instanceof Float64Array) return values;
    return Float64Array.from(values, (v) =>
      v === null || v === undefined || v.trim() === '' ? Number.NaN : Number(v),
    );
  }
  if (!(values instanceof Float64Array)) return values;
  return Array.from(values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Rows of served inputs (`{column: value}`) as columns typed like the reference's. */
export function rowsToDriftTable(
  rows: readonly Readonly<Record<string, string | number | null>>[],
  kinds: ColumnKinds,
): DriftTable {
  const table: Record<string, DriftColumn> = {};
  for (const [name, kind] of kinds) {
    if (!rows.some((r) => name in r)) continue;
    if (kind === 'numeric') {
      const col = new Float64Array(rows.length);
      rows.forEach((r, i) => {
        const v = r[name];
        col[i] =
          typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      });
      table[name] = col;
    } else {
      table[name] = rows.map((r) => {
        const v = r[name];
        return v === null || v === undefined ? null : String(v);
      });
    }
  }
  return table;
}

/** Non-missing values of a column. */
export function presentCount(values: DriftColumn): number {
  let n = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) n++;
  } else for (const v of values) if (v !== null && v !== undefined) n++;
  return n;
}

/**
 * Whether a categorical reference column is an identifier (every non-missing value distinct, more
 * than one value): Evidently leaves the `id_column` out of drift, since every new id would "drift".
 */
export function isIdentifierLike(values: DriftColumn): boolean {
  if (values instanceof Float64Array) return false;
  const seen = new Set<string>();
  let n = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    n++;
    seen.add(v);
  }
  return n > 1 && seen.size === n;
}
