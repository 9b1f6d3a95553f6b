/**
 * Seeded synthetic churn-like data for `bench:scale`: 20 features (15 numeric, 5 categorical as
 * integer codes), a nonlinear ground truth (thresholds, interactions, a sine, category effects),
 * about 4% missing values in three numeric columns, positive rate about 27%.
 *
 * Writes column-major float64 features and uint8 labels so TypeScript and Python train on the
 * identical bytes: `<dir>/{train,test}_x.f64` (feature f of row r at f * rows + r),
 * `<dir>/{train,test}_y.u8`, `<dir>/meta.json` ({ trainRows, testRows, cols, seed, columns }).
 *
 * Usage: node generate.js --rows N --out DIR [--test-rows M] [--seed S]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@mlops/ml';

export const N_COLS = 20;
const CAT_LEVELS = [3, 4, 5, 6, 8];
export const COLUMNS = [
  'tenure', 'monthly_charges', 'total_charges', 'support_calls', 'data_gb', 'age', 'late_payments',
  'logins_30d', 'discount', 'satisfaction', 'devices', 'dropped_calls', 'ticket_hours', 'noise_a', 'noise_b',
  'contract', 'payment', 'internet', 'region', 'plan',
];

function generate(rows: number, rng: Rng): { x: Float64Array; y: Uint8Array } {
  const x = new Float64Array(rows * N_COLS);
  const y = new Uint8Array(rows);
  const row = new Float64Array(N_COLS);
  for (let r = 0; r < rows; r++) {
    const tenure = Math.floor(rng.nextFloat() * 73);
    const monthly = 18 + 100 * rng.nextFloat() ** 1.3;
    row[0] = tenure;
    row[1] = Math.round(monthly * 100) / 100;
    row[2] = Math.round(tenure * monthly * (0.9 + 0.2 * rng.nextFloat()) * 100) / 100;
    row[3] = Math.floor(-Math.log(1 - rng.nextFloat()) * 1.5);
    row[4] = Math.exp(1.5 + rng.nextGaussian());
    row[5] = 18 + Math.floor(rng.nextFloat() * 62);
    row[6] = Math.floor(-Math.log(1 - rng.nextFloat()) * 0.7);
    row[7] = Math.max(0, 20 + 8 * rng.nextGaussian());
    row[8] = rng.nextFloat() < 0.3 ? Math.round(rng.nextFloat() * 30) : 0;
    row[9] = 1 + Math.floor(rng.nextFloat() * 5);
    row[10] = 1 + Math.floor(rng.nextFloat() * 6);
    row[11] = Math.floor(-Math.log(1 - rng.nextFloat()) * 2);
    row[12] = -Math.log(1 - rng.nextFloat()) * 10;
    row[13] = rng.nextGaussian();
    row[14] = rng.nextFloat();
    for (let c = 0; c < 5; c++) {
      // skewed category frequencies
      const u = rng.nextFloat();
      row[15 + c] = Math.min(CAT_LEVELS[c]! - 1, Math.floor(CAT_LEVELS[c]! * u * u));
    }
    const contract = row[15]!;
    const payment = row[16]!;
    const internet = row[17]!;
    const region = row[18]!;
    let z = -1.9;
    z += contract === 0 ? 1.1 : contract === 1 ? -0.2 : -1.0;
    z += tenure < 6 ? 0.9 : tenure < 24 ? 0.3 : -0.4 - tenure / 120;
    z += 0.018 * (monthly - 65) * (internet === 1 ? 1.6 : 0.6);
    z += 0.35 * Math.min(row[3]!, 6) + 0.45 * (row[6]! > 1 ? 1 : 0);
    z += payment === 0 ? 0.45 : payment === 3 ? -0.2 : 0;
    z += 0.5 * Math.sin(row[4]! / 3) - 0.04 * (row[7]! - 20);
    z += row[9]! <= 2 ? 0.6 * (contract === 0 ? 1.5 : 0.5) : -0.15 * (row[9]! - 2);
    z += row[8]! > 0 ? -0.025 * row[8]! : 0;
    z += 0.12 * row[11]! * (row[10]! > 3 ? 1 : 0.3);
    z += 0.02 * Math.min(row[12]!, 60) - 0.3;
    z += [0, 0.25, -0.2, 0.4, -0.35, 0.1, 0, 0.3][region]! + (row[19]! === 2 ? -0.3 : 0);
    z += ((row[5]! - 45) / 20) ** 2 * 0.25 - 0.25;
    y[r] = rng.nextFloat() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    // missing values: in support_calls, data_gb and ticket_hours
    if (rng.nextFloat() < 0.04) row[3] = Number.NaN;
    if (rng.nextFloat() < 0.04) row[4] = Number.NaN;
    if (rng.nextFloat() < 0.04) row[12] = Number.NaN;
    for (let c = 0; c < N_COLS; c++) x[c * rows + r] = row[c]!;
  }
  return { x, y };
}

function arg(argv: string[], name: string, dflt?: string): string {
  const i = argv.indexOf(name);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1]!;
  if (dflt === undefined) throw new Error(`missing ${name}`);
  return dflt;
}

function main(): void {
  const argv = process.argv.slice(2);
  const rows = Number(arg(argv, '--rows'));
  if (!Number.isInteger(rows) || rows < 100) throw new RangeError(`--rows must be an integer >= 100, got ${arg(argv, '--rows')}`);
  const out = arg(argv, '--out');
  const seed = Number(arg(argv, '--seed', '42'));
  const testRows = Number(arg(argv, '--test-rows', String(Math.min(200000, Math.max(10000, Math.floor(rows / 5))))));
  mkdirSync(out, { recursive: true });
  const rng = new Rng(seed);
  const train = generate(rows, rng.fork(1));
  const test = generate(testRows, rng.fork(2));
  const buf = (a: Float64Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(out, 'train_x.f64'), buf(train.x));
  writeFileSync(join(out, 'train_y.u8'), buf(train.y));
  writeFileSync(join(out, 'test_x.f64'), buf(test.x));
  writeFileSync(join(out, 'test_y.u8'), buf(test.y));
  let pos = 0;
  for (const v of train.y) pos += v;
  writeFileSync(join(out, 'meta.json'), JSON.stringify({ trainRows: rows, testRows, cols: N_COLS, seed, columns: COLUMNS, positiveRate: pos / rows }));
}

main();
