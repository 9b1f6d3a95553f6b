/**
 * CSV reader benchmark: ours (`readCsvFile`, streaming from disk) against pandas.read_csv on the
 * same file, in the same run. Prints one JSON object per line:
 *   {"bench":"csv","impl","rows","cols","seconds","rows_per_second","peak_rss_mb"}
 *
 * Usage (after `npx tsc -b tsconfig.build.json && npx tsc -p bench/tsconfig.json`):
 *   node bench/dist/bench/csv/csv.bench.js [--rows 1000000] [--seed 7] [--python .venv/bin/python]
 * Each reader runs in its own child process so peak RSS is that reader's alone; the file is
 * generated (seeded: 15 numeric, 5 categorical columns) into a temp directory and removed after
 * (`--keep <path>` writes it to <path> instead and leaves it there, for profiling).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Rng, readCsvFile } from '@mlops/ml';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

const CATEGORIES: string[][] = [
  ['Month-to-month', 'One year', 'Two year'],
  ['Electronic check', 'Mailed check', 'Bank transfer (automatic)', 'Credit card (automatic)'],
  ['DSL', 'Fiber optic', 'No'],
  Array.from({ length: 50 }, (_, i) => `state_${i}`),
  Array.from({ length: 1000 }, (_, i) => `city ${i}, region ${i % 17}`),
];

/** Writes a seeded rows x 20 CSV: 15 numeric (ints, 2-decimal floats, wide floats; ~1% missing), 5 categorical (quoted). */
async function generate(path: string, rows: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const out = createWriteStream(path);
  const header = [...Array.from({ length: 15 }, (_, i) => `num_${i}`), ...CATEGORIES.map((_, i) => `cat_${i}`)];
  let chunk = header.join(',') + '\n';
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    for (let c = 0; c < 15; c++) {
      if (rng.nextFloat() < 0.01) {
        fields.push('');
        continue;
      }
      const kind = c % 3;
      if (kind === 0) fields.push(String(rng.nextInt(100)));
      else if (kind === 1) fields.push((rng.nextFloat() * 200).toFixed(2));
      else fields.push(String(rng.nextGaussian() * 1000));
    }
    for (const cats of CATEGORIES) {
      if (rng.nextFloat() < 0.01) fields.push('');
      else fields.push(`"${cats[rng.nextInt(cats.length)]!}"`);
    }
    chunk += fields.join(',') + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function readOurs(path: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const { dataset } = await readCsvFile(path);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = process.resourceUsage().maxRSS / 1024;
  const line = {
    bench: 'csv',
    impl: 'ours',
    rows: dataset.rowCount,
    cols: dataset.columns.length,
    seconds: round(seconds),
    rows_per_second: Math.round(dataset.rowCount / seconds),
    peak_rss_mb: round(peak, 1),
  };
  console.log(JSON.stringify(line));
}

function round(x: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  const readPath = arg('read', '');
  if (readPath !== '') {
    await readOurs(readPath);
    return;
  }
  const rows = Number(arg('rows', '1000000'));
  const seed = Number(arg('seed', '7'));
  const python = arg('python', join(repoRoot, '.venv/bin/python'));
  const keep = arg('keep', '');
  const dir = mkdtempSync(join(tmpdir(), 'csv-bench-'));
  const file = keep !== '' ? resolve(keep) : join(dir, 'data.csv');
  try {
    await generate(file, rows, seed);
    const mb = statSync(file).size / 1048576;
    process.stderr.write(`generated ${rows} rows, ${mb.toFixed(1)} MB at ${file}\n`);
    const ours = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--read', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (ours.status !== 0) throw new Error(`our reader failed with status ${ours.status}`);
    process.stdout.write(ours.stdout);
    const pandas = spawnSync(python, [join(repoRoot, 'bench/csv/pandas_read.py'), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (pandas.status !== 0) throw new Error(`pandas_read.py failed with status ${pandas.status} (is ${python} the project venv?)`);
    process.stdout.write(pandas.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
