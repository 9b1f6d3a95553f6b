import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DqTable, DqValue } from '../table.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..', '..', '..');

/** Reads a recorded fixture (compat/data-quality/record_ge.py). Test-only helper. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, name), 'utf8')) as T;
}

/** Columns whose cells are all numbers or null become Float64Array (null -> NaN). */
export function tableFromJson(raw: Record<string, DqValue[]>): DqTable {
  const t: Record<string, Float64Array | DqValue[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    const numeric = v.every((x) => x === null || typeof x === 'number') && v.some((x) => typeof x === 'number');
    t[k] = numeric ? Float64Array.from(v, (x) => (x === null ? Number.NaN : (x as number))) : v;
  }
  return t;
}

/**
 * Minimal reader for the bundled Telco CSV (double-quoted strings without embedded quotes,
 * unquoted numbers, blank = missing). Test-only; the product reads CSV in libs/ml / ingestion.
 */
export function readTelcoCsv(path = join(REPO_ROOT, 'data', 'raw', 'customer_data.csv')): DqTable {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const split = (line: string): string[] => line.split(',').map((c) => c.trim());
  const header = split(lines[0]).map((h) => h.replace(/^"|"$/g, ''));
  const cols: DqValue[][] = header.map(() => []);
  const quoted: boolean[] = header.map(() => false);
  for (let i = 1; i < lines.length; i++) {
    const cells = split(lines[i]);
    cells.forEach((c, j) => {
      if (c.startsWith('"')) {
        quoted[j] = true;
        cols[j].push(c.slice(1, -1));
      } else cols[j].push(c === '' ? null : Number(c));
    });
  }
  const t: Record<string, Float64Array | DqValue[]> = {};
  header.forEach((h, j) => {
    t[h] = quoted[j] ? cols[j] : Float64Array.from(cols[j], (x) => (x === null ? Number.NaN : (x as number)));
  });
  return t;
}
