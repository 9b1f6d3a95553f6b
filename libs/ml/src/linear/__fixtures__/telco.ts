// Test helper: reads the Telco one-hot fixture written by compat/linear/make_fixtures.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatrix, takeLabels, takeRows, type Labels, type Matrix } from '../../core/matrix.js';

interface TelcoFixture {
  rows: number;
  columns: ({ name: string; bits: string } | { name: string; values: number[] })[];
  y: string;
  split: { train: number[]; validation: number[]; test: number[] };
}

export const fixturesDir = dirname(fileURLToPath(import.meta.url));

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, file), 'utf8')) as T;
}

export interface TelcoSplit {
  all: Matrix;
  y: Labels;
  train: { x: Matrix; y: Labels; idx: number[] };
  test: { x: Matrix; y: Labels; idx: number[] };
}

export function loadTelco(): TelcoSplit {
  const f = readJson<TelcoFixture>('telco_onehot.json');
  const n = f.rows;
  const m = createMatrix(n, f.columns.length, f.columns.map((c) => c.name));
  f.columns.forEach((c, j) => {
    for (let i = 0; i < n; i++) m.data[j * n + i] = 'bits' in c ? (c.bits.charCodeAt(i) === 49 ? 1 : 0) : c.values[i]!;
  });
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = f.y.charCodeAt(i) === 49 ? 1 : 0;
  const { train, test } = f.split;
  return {
    all: m,
    y,
    train: { x: takeRows(m, train), y: takeLabels(y, train), idx: train },
    test: { x: takeRows(m, test), y: takeLabels(y, test), idx: test },
  };
}

/** (x - mean) / std per column, the same IEEE operations numpy performs. */
export function standardize(x: Matrix, mean: readonly number[], std: readonly number[]): Matrix {
  const out = createMatrix(x.rows, x.cols, x.columnNames);
  for (let c = 0; c < x.cols; c++) {
    for (let i = 0; i < x.rows; i++) out.data[c * x.rows + i] = (x.data[c * x.rows + i]! - mean[c]!) / std[c]!;
  }
  return out;
}

/** ROC AUC with ties counted half (Mann-Whitney), as sklearn.metrics.roc_auc_score. */
export function rocAuc(y: Labels, score: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!]) {
      rankSumPos += avgRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = n - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
