/**
 * One `bench:scale` measurement of our gradient boosting in its own process (so peak RSS is per
 * process): streams the training columns written by generate.js one at a time into the model's
 * `ColumnBinner` (the float64 training matrix never exists in full: 8 bytes x rows per column in
 * memory instead of 8 x rows x 20), fits 100 trees of depth 6 on the bins with `fitBinned`
 * (XGBoost-like parameters: learningRate 0.1, maxBin 256), predicts the test split and prints one
 * JSON line {"model","impl","threads","fit_seconds","predict_seconds","peak_rss_mb","test_auc"}.
 * fit_seconds = binning (setColumn calls, file reads excluded) + fitBinned, as xgboost's includes
 * its DMatrix quantization.
 *
 * Usage: node train.js --data DIR --threads T [--policy depthwise|lossguide]
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { GradientBoostingClassifier, type BinnedMatrix, type Matrix } from '@mlops/ml';

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

/** Reads column `f` of a column-major float64 file of `rows` rows into `out` (length rows). */
function readColumn(fd: number, f: number, out: Float64Array): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const base = f * out.byteLength;
  let off = 0;
  while (off < bytes.length) {
    const k = readSync(fd, bytes, off, Math.min(1 << 26, bytes.length - off), base + off);
    if (k <= 0) throw new Error(`column ${f}: unexpected end of file at byte ${base + off}`);
    off += k;
  }
}

function readF64(path: string): Float64Array {
  // read straight into the typed array (no intermediate Buffer: peak memory = the data once)
  const fd = openSync(path, 'r');
  try {
    const out = new Float64Array(fstatSync(fd).size / 8);
    const bytes = new Uint8Array(out.buffer);
    let off = 0;
    while (off < bytes.length) {
      const k = readSync(fd, bytes, off, Math.min(1 << 26, bytes.length - off), off);
      if (k <= 0) throw new Error(`${path}: unexpected end of file at byte ${off}`);
      off += k;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function auc(y: Uint8Array, s: Float64Array): number {
  const n = y.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
  let pos = 0;
  for (const v of y) pos += v;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[order[j + 1]!] === s[order[i]!]) j++;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) rankSum += (i + j) / 2 + 1;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * (n - pos));
}

function main(): void {
  const argv = process.argv.slice(2);
  const dir = arg(argv, '--data', '');
  const threads = Number(arg(argv, '--threads', '1'));
  const policy = arg(argv, '--policy', 'depthwise');
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { trainRows: number; testRows: number; cols: number; columns: string[] };
  const yTrain = new Uint8Array(readFileSync(join(dir, 'train_y.u8')));
  const params =
    policy === 'lossguide'
      ? { growPolicy: 'lossguide' as const, nEstimators: 100, maxDepth: 6, numLeaves: 63, learningRate: 0.1, nThreads: threads, randomState: 0 }
      : { growPolicy: 'depthwise' as const, nEstimators: 100, maxDepth: 6, learningRate: 0.1, nThreads: threads, randomState: 0 };
  const model = new GradientBoostingClassifier(params);
  // bin column by column straight from the file: one float64 column in memory at a time
  const binner = model.binner(meta.trainRows, meta.columns);
  const column = new Float64Array(meta.trainRows);
  const fd = openSync(join(dir, 'train_x.f64'), 'r');
  let binNs = 0n;
  try {
    for (let f = 0; f < meta.cols; f++) {
      readColumn(fd, f, column);
      const tb = process.hrtime.bigint();
      binner.setColumn(f, column);
      binNs += process.hrtime.bigint() - tb;
    }
  } finally {
    closeSync(fd);
  }
  const t0 = process.hrtime.bigint();
  let binned: BinnedMatrix | null = binner.finish();
  model.fitBinned(binned, yTrain);
  const fitSeconds = Number(process.hrtime.bigint() - t0 + binNs) / 1e9;
  binned = null; // the bins are no longer needed
  const test: Matrix = { rows: meta.testRows, cols: meta.cols, data: readF64(join(dir, 'test_x.f64')), columnNames: meta.columns };
  const yTest = new Uint8Array(readFileSync(join(dir, 'test_y.u8')));
  const t1 = process.hrtime.bigint();
  const p = model.predictProba(test);
  const predictSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      model: policy === 'lossguide' ? 'gbdt-lossguide' : 'gbdt',
      impl: 'ours',
      threads,
      rows: meta.trainRows,
      fit_seconds: +fitSeconds.toFixed(3),
      predict_seconds: +predictSeconds.toFixed(3),
      peak_rss_mb: +rssMb.toFixed(1),
      test_auc: +auc(yTest, p).toFixed(5),
    }),
  );
}

main();
