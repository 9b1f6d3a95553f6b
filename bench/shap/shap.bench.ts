/**
 * bench:shap, our side: TreeSHAP (libs/ml explain) on the model and rows written by shap_anchor.py
 * (XGBoost JSON imported with importXGBoostJson), same run. Prints JSON lines:
 * - batch `shapValues` over all rows (median of --repeats after a warm-up), rows/s;
 * - one row at a time with `shapValuesRow` (the serving path), mean microseconds per row;
 * - parity: max |ours - xgboost pred_contribs| and the worst additivity error on these rows.
 *
 * Usage: node bench/shap/dist/shap.bench.js --data DIR [--repeats 3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMatrix, ensembleRaw, importXGBoostJson, shapValues, shapValuesRow } from '@mlops/ml';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

function readF64(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const dir = arg('--data', '');
if (!dir) throw new Error('bench:shap: pass --data DIR (written by bench/shap/shap_anchor.py)');
const repeats = Number(arg('--repeats', '3'));
const e = importXGBoostJson(readFileSync(join(dir, 'model.json'), 'utf8'));
const nF = e.nFeatures;
const flat = readF64(join(dir, 'rows.f64'));
const rows = flat.length / nF;
const x = createMatrix(rows, nF, e.featureNames);
for (let r = 0; r < rows; r++) for (let c = 0; c < nF; c++) x.data[c * rows + r] = flat[r * nF + c]!;
let leaves = 0;
let depth = 0;
for (const t of e.trees) {
  for (let i = 0; i < t.feature.length; i++) if (t.feature[i]! < 0) leaves++;
  const walk = (n: number, d: number): void => {
    if (t.feature[n]! < 0) depth = Math.max(depth, d);
    else {
      walk(t.left[n]!, d + 1);
      walk(t.right[n]!, d + 1);
    }
  };
  walk(0, 0);
}
const common = { bench: 'shap', model: 'xgboost', trees: e.trees.length, depth, leaves, rows, features: nF };

shapValues(e, x); // warm-up (JIT)
const times: number[] = [];
let res = shapValues(e, x);
for (let k = 0; k < repeats; k++) {
  const t0 = process.hrtime.bigint();
  res = shapValues(e, x);
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const sec = times[Math.floor(times.length / 2)]!;
console.log(
  JSON.stringify({
    ...common,
    impl: 'ours shapValues (batch)',
    threads: 1,
    seconds: Number(sec.toFixed(4)),
    rows_per_s: Number((rows / sec).toFixed(1)),
  }),
);

const row = new Float64Array(nF);
const nSingle = Math.min(rows, 1000);
const t1 = process.hrtime.bigint();
for (let r = 0; r < nSingle; r++) {
  for (let c = 0; c < nF; c++) row[c] = flat[r * nF + c]!;
  shapValuesRow(e, row);
}
const perRowUs = Number(process.hrtime.bigint() - t1) / 1e3 / nSingle;
console.log(
  JSON.stringify({
    ...common,
    impl: 'ours shapValuesRow (one row per call)',
    threads: 1,
    us_per_row: Number(perRowUs.toFixed(1)),
    rows_per_s: Number((1e6 / perRowUs).toFixed(1)),
  }),
);

const ref = readF64(join(dir, 'xgb_contribs.f64'));
let maxDiff = 0;
let maxBase = 0;
let maxAdd = 0;
for (let r = 0; r < rows; r++) {
  let s = res.baseValue;
  for (let c = 0; c < nF; c++) {
    const v = res.values[r * nF + c]!;
    s += v;
    maxDiff = Math.max(maxDiff, Math.abs(v - ref[r * (nF + 1) + c]!));
  }
  maxBase = Math.max(maxBase, Math.abs(res.baseValue - ref[r * (nF + 1) + nF]!));
  for (let c = 0; c < nF; c++) row[c] = flat[r * nF + c]!;
  const m = ensembleRaw(e, row);
  maxAdd = Math.max(maxAdd, Math.abs(s - m) / Math.max(1, Math.abs(m)));
}
console.log(
  JSON.stringify({
    ...common,
    impl: 'ours vs xgboost pred_contribs',
    max_abs_diff: maxDiff,
    base_value_diff: maxBase,
    max_additivity_error: maxAdd,
  }),
);
