/**
 * bench:drift, our side: driftReport (libs/drift, Evidently's default tests and drift share) on
 * the data written by generate.py, in this process. Prints one JSON line: seconds of driftReport
 * (data loading excluded; median of --repeats), peak RSS of the process, and the drifted columns.
 *
 * Usage: node bench/drift/dist/drift.bench.js --data DIR [--repeats 1]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driftReport, type DriftColumn } from '@mlops/drift';

interface Meta {
  rows: number;
  numeric: string[];
  categorical: Record<string, string[]>;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const dir = arg('--data', '');
if (!dir) throw new Error('bench:drift: pass --data DIR (written by bench/drift/generate.py)');
const repeats = Math.max(1, Number(arg('--repeats', '1')));
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;

function load(side: 'ref' | 'cur'): Record<string, DriftColumn> {
  const t: Record<string, DriftColumn> = {};
  for (const name of meta.numeric) {
    const b = readFileSync(join(dir, `${name}.${side}.f64`));
    t[name] = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  for (const [name, cats] of Object.entries(meta.categorical)) {
    const codes = readFileSync(join(dir, `${name}.${side}.u8`));
    const col = new Array<string | null>(codes.length);
    for (let i = 0; i < codes.length; i++)
      col[i] = codes[i] === 255 ? null : (cats[codes[i] as number] as string);
    t[name] = col;
  }
  return t;
}

const t0 = performance.now();
const reference = load('ref');
const current = load('cur');
const loadSeconds = (performance.now() - t0) / 1000;
const times: number[] = [];
let report = driftReport(reference, current);
for (let r = 0; r < repeats; r++) {
  const s = performance.now();
  report = driftReport(reference, current);
  times.push((performance.now() - s) / 1000);
}
times.sort((a, b) => a - b);
const seconds = times[Math.floor(times.length / 2)] as number;
console.log(
  JSON.stringify({
    bench: 'drift',
    side: 'ours',
    rows: meta.rows,
    columns: report.numberOfColumns,
    seconds: Math.round(seconds * 1000) / 1000,
    repeats,
    load_seconds: Math.round(loadSeconds * 1000) / 1000,
    peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    drifted: report.columns
      .filter((c) => c.drifted)
      .map((c) => c.column)
      .sort(),
    drifted_share: report.driftedShare,
    methods: [...new Set(report.columns.map((c) => c.test))].sort(),
  }),
);
