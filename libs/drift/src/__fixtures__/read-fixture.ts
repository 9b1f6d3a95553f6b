import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Reads a recorded fixture (compat/drift/record_fixtures.py). Test-only helper. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, name), 'utf8')) as T;
}

/** JSON number or the strings "NaN" / "Infinity" / "-Infinity" written by the recorder. */
export type JsonNum = number | 'NaN' | 'Infinity' | '-Infinity';

export function num(x: JsonNum): number {
  return typeof x === 'number' ? x : Number(x);
}

/** Difference measure used by the parity specs: absolute, scaled by max(1, |expected|). */
export function scaledError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  if (Number.isNaN(actual) && Number.isNaN(expected)) return 0;
  return Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
}

/** Relative error, for values far below 1 (p-values in the tail). */
export function relativeError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}
