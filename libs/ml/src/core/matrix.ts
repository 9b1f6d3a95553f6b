/**
 * A dense numeric feature matrix in column-major order: `data[col * rows + row]`.
 * Missing values are NaN. This is what preprocessing produces and what every learner consumes.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
  /** Names of the columns, in order (after preprocessing: one-hot columns included). */
  readonly columnNames: readonly string[];
}

export function createMatrix(rows: number, cols: number, columnNames?: readonly string[]): Matrix {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 0) throw new RangeError(`cols must be a non-negative integer, got ${cols}`);
  const names = columnNames ?? Array.from({ length: cols }, (_, i) => `f${i}`);
  if (names.length !== cols) throw new RangeError(`columnNames has ${names.length} names for ${cols} columns`);
  return { rows, cols, data: new Float64Array(rows * cols), columnNames: names };
}

/** Builds a column-major matrix from row arrays (convenient in tests). */
export function matrixFromRows(rowsData: readonly (readonly number[])[], columnNames?: readonly string[]): Matrix {
  const rows = rowsData.length;
  const cols = rows === 0 ? (columnNames?.length ?? 0) : rowsData[0]!.length;
  const m = createMatrix(rows, cols, columnNames);
  for (let r = 0; r < rows; r++) {
    const row = rowsData[r]!;
    if (row.length !== cols) throw new RangeError(`row ${r} has ${row.length} values, expected ${cols}`);
    for (let c = 0; c < cols; c++) m.data[c * rows + r] = row[c]!;
  }
  return m;
}

/** Selects rows by index (for splits and folds). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const n = indices.length;
  const out = createMatrix(n, m.cols, m.columnNames);
  for (let c = 0; c < m.cols; c++) {
    const src = c * m.rows;
    const dst = c * n;
    for (let i = 0; i < n; i++) out.data[dst + i] = m.data[src + indices[i]!]!;
  }
  return out;
}

/** Binary labels: 1 = positive class, 0 = negative. */
export type Labels = Uint8Array;

export function takeLabels(y: Labels, indices: ArrayLike<number>): Labels {
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = y[indices[i]!]!;
  return out;
}
