import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeLabels, takeRows, type Labels, type Matrix } from '@mlops/ml';

/** `--name value` from argv, or the default; a missing required option is an error naming it. */
export function arg(name: string, dflt?: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (v !== undefined) return v;
  if (dflt !== undefined) return dflt;
  throw new Error(`missing ${name} <value>: see bench/tuning/run.sh`);
}

export interface Meta {
  readonly rows: number;
  readonly columns: string[];
  readonly searchSpace: Record<string, unknown>;
}

export interface Parts {
  readonly meta: Meta;
  readonly train: { x: Matrix; y: Labels };
  readonly validation: { x: Matrix; y: Labels };
  readonly test: { x: Matrix; y: Labels };
}

/** Loads the data directory written by prepare.js into the three parts of the split. */
export function loadParts(dir: string): Parts {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as {
    train: number[];
    validation: number[];
    test: number[];
  };
  const b = readFileSync(join(dir, 'x.f64'));
  const data = new Float64Array(b.byteLength / 8);
  new Uint8Array(data.buffer).set(b);
  const x: Matrix = { rows: meta.rows, cols: meta.columns.length, data, columnNames: meta.columns };
  const y = new Uint8Array(readFileSync(join(dir, 'y.u8')));
  const part = (idx: number[]): { x: Matrix; y: Labels } => ({ x: takeRows(x, idx), y: takeLabels(y, idx) });
  return { meta, train: part(split.train), validation: part(split.validation), test: part(split.test) };
}
