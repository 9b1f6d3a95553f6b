import type { DqTable, DqColumn } from '../table.js';
import { ExpectationEvaluationError } from './types.js';

type Kw = Readonly<Record<string, unknown>>;

export function reqString(kw: Kw, key: string): string {
  const v = kw[key];
  if (typeof v !== 'string' || v === '') throw new TypeError(`kwargs.${key} must be a non-empty string`);
  return v;
}

export function optNumber(kw: Kw, key: string): number | null {
  const v = kw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`kwargs.${key} must be a number or null, got ${JSON.stringify(v)}`);
  return v;
}

export function optBool(kw: Kw, key: string, dflt: boolean): boolean {
  const v = kw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`kwargs.${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** `mostly` in [0, 1], default 1. */
export function mostly(kw: Kw): number {
  const v = optNumber(kw, 'mostly');
  if (v === null) return 1;
  if (v < 0 || v > 1) throw new RangeError(`kwargs.mostly must be in [0, 1], got ${v}`);
  return v;
}

export function reqArray(kw: Kw, key: string): unknown[] {
  const v = kw[key];
  if (!Array.isArray(v)) throw new TypeError(`kwargs.${key} must be a list`);
  return v;
}

export function reqStringArray(kw: Kw, key: string): string[] {
  const v = reqArray(kw, key);
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw new TypeError(`kwargs.${key}[${i}] must be a string`);
  });
  return v as string[];
}

export function checkMinMax(kw: Kw, requireOne = true): void {
  const lo = optNumber(kw, 'min_value');
  const hi = optNumber(kw, 'max_value');
  optBool(kw, 'strict_min', false);
  optBool(kw, 'strict_max', false);
  if (requireOne && lo === null && hi === null) throw new TypeError('kwargs: set min_value, max_value or both');
  if (lo !== null && hi !== null && lo > hi) throw new RangeError(`kwargs.min_value (${lo}) must be <= max_value (${hi})`);
}

/** A predicate "value within [min_value, max_value]" with GE's strict_min / strict_max. */
export function betweenPredicate(kw: Kw): (x: number) => boolean {
  const lo = optNumber(kw, 'min_value');
  const hi = optNumber(kw, 'max_value');
  const sMin = optBool(kw, 'strict_min', false);
  const sMax = optBool(kw, 'strict_max', false);
  return (x) =>
    (lo === null || (sMin ? x > lo : x >= lo)) && (hi === null || (sMax ? x < hi : x <= hi));
}

export function column(table: DqTable, name: string): DqColumn {
  if (!(name in table)) throw new ExpectationEvaluationError(`column "${name}" does not exist in the table`);
  return table[name];
}
