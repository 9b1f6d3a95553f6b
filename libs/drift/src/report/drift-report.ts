import { binCategorical, binNumericSorted, type BinnedShares } from '../stats/binning.js';
import { chiSquareDriftTest, type TestResult } from '../stats/chi-square.js';
import { jensenShannonDistance, klDivergence, psi } from '../stats/divergence.js';
import { ks2sampSorted } from '../stats/ks-2samp.js';
import { countUniqueUnionSorted, sortedFinite } from '../stats/sample.js';
import { wassersteinNormSorted } from '../stats/wasserstein.js';
import { proportionsZTest } from '../stats/z-test.js';
import {
  DEFAULT_THRESHOLDS,
  isDrift,
  NUMERIC_ONLY_TESTS,
  P_VALUE_TESTS,
  parseDriftTestName,
  type DriftTestName,
} from './drift-tests.js';

/** A column: numbers as a Float64Array (NaN = missing) or categories as strings (null/undefined = missing). */
export type DriftColumn = Float64Array | readonly (string | null | undefined)[];

/** Column-oriented data: column name -> values. */
export type DriftTable = Readonly<Record<string, DriftColumn>>;

/** A test choice: name (Evidently's or the config's spelling) and/or threshold. */
export interface DriftTestConfig {
  test?: string;
  threshold?: number;
}

/** The roles of Evidently's default test choice (the keys of config `drift.tests`). */
export type DriftRole = 'numericSmall' | 'categoricalSmall' | 'binarySmall' | 'numericLarge' | 'categoricalLarge';

export interface DriftOptions {
  /** Columns to compare (default: every column present in both tables, in reference order). */
  columns?: readonly string[];
  /** Per-column test and/or threshold (Evidently's per_column_stattest / per_column_threshold). */
  columnTests?: Readonly<Record<string, DriftTestConfig>>;
  /** Test and/or threshold for every column without a per-column entry (Evidently's stattest). */
  allColumns?: DriftTestConfig;
  /** Replace the default test or threshold of a role. */
  defaults?: Partial<Readonly<Record<DriftRole, DriftTestConfig>>>;
  /** Reference sets with at most this many non-missing rows use p-value tests (1000). */
  smallReferenceMaxRows?: number;
  /** Numeric columns with at most this many distinct values (reference + current) count as categorical (5). */
  numericMaxCategoricalUnique?: number;
  /** Dataset drift when the share of drifted columns is >= this (0.5). */
  driftShare?: number;
}

/** One column's result. */
export interface ColumnDriftResult {
  column: string;
  type: 'numeric' | 'categorical';
  test: DriftTestName;
  /**
   * The test statistic: KS D, chi-square statistic (Infinity when a category is absent from the
   * reference), z, or the distance (wasserstein normed, jensenshannon, psi, kl_div).
   */
  statistic: number;
  /** p-value of `ks`, `chisquare` and `z`. */
  pValue?: number;
  threshold: number;
  drifted: boolean;
  /** Non-missing values compared. */
  referenceCount: number;
  currentCount: number;
  /** Distinct non-missing values over reference and current together. */
  nUnique: number;
}

export interface DriftReport {
  columns: ColumnDriftResult[];
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  /** Share of drifted columns in [0, 1]. */
  driftedShare: number;
  driftShareThreshold: number;
  /** driftedShare >= driftShareThreshold (Evidently's dataset drift rule). */
  datasetDrift: boolean;
}

const DEFAULT_ROLE_TESTS: Readonly<Record<DriftRole, DriftTestName>> = {
  numericSmall: 'ks',
  categoricalSmall: 'chisquare',
  binarySmall: 'z',
  numericLarge: 'wasserstein',
  categoricalLarge: 'jensenshannon',
};

type Prepared =
  | { kind: 'numeric'; sorted: Float64Array }
  | { kind: 'categorical'; counts: Map<string, number>; n: number };

function prepare(values: DriftColumn, column: string, side: string): Prepared {
  if (values instanceof Float64Array) return { kind: 'numeric', sorted: sortedFinite(values) };
  if (!Array.isArray(values)) {
    throw new TypeError(`${side}["${column}"] must be a Float64Array (numeric) or an array of strings (categorical)`);
  }
  const counts = new Map<string, number>();
  let n = 0;
  for (const v of values as readonly unknown[]) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') {
      throw new TypeError(`${side}["${column}"] holds a ${typeof v}; categorical columns hold strings (null = missing)`);
    }
    counts.set(v, (counts.get(v) ?? 0) + 1);
    n++;
  }
  return { kind: 'categorical', counts, n };
}

function count(p: Prepared): number {
  return p.kind === 'numeric' ? p.sorted.length : p.n;
}

function unionUnique(r: Prepared, c: Prepared): number {
  if (r.kind === 'numeric' && c.kind === 'numeric') return countUniqueUnionSorted(r.sorted, c.sorted);
  if (r.kind === 'categorical' && c.kind === 'categorical') {
    let u = r.counts.size;
    for (const k of c.counts.keys()) if (!r.counts.has(k)) u++;
    return u;
  }
  throw new Error('unreachable: mixed column kinds');
}

/** Per-value counts of a numeric column as a map keyed by the number's string form. */
function numericCounts(sorted: Float64Array): Map<string, number> {
  const m = new Map<string, number>();
  let i = 0;
  while (i < sorted.length) {
    const v = sorted[i];
    const i0 = i;
    while (i < sorted.length && sorted[i] === v) i++;
    m.set(String(v === 0 ? 0 : v), i - i0);
  }
  return m;
}

function asCounts(p: Prepared): Map<string, number> {
  return p.kind === 'numeric' ? numericCounts(p.sorted) : p.counts;
}

function binned(r: Prepared, c: Prepared, fillZeros: boolean): BinnedShares {
  if (r.kind === 'numeric' && c.kind === 'numeric') return binNumericSorted(r.sorted, c.sorted, fillZeros);
  return binCategorical(asCounts(r), asCounts(c), fillZeros);
}

function zTest(r: Prepared, c: Prepared): TestResult {
  const rc = asCounts(r);
  const cc = asCounts(c);
  const nr = count(r);
  const nc = count(c);
  if (rc.size === 1 && cc.size === 1 && [...rc.keys()][0] === [...cc.keys()][0]) return { statistic: 0, pValue: 1 };
  const keys = [...new Set([...rc.keys(), ...cc.keys()])];
  const first =
    r.kind === 'numeric'
      ? keys.reduce((a, b) => (Number(b) < Number(a) ? b : a))
      : keys.reduce((a, b) => (b < a ? b : a));
  return proportionsZTest(nr - (rc.get(first) ?? 0), nr, nc - (cc.get(first) ?? 0), nc);
}

function chiSquare(r: Prepared, c: Prepared): TestResult {
  const rc = asCounts(r);
  const cc = asCounts(c);
  const keys = new Set([...rc.keys(), ...cc.keys()]);
  const ref: number[] = [];
  const cur: number[] = [];
  for (const k of keys) {
    ref.push(rc.get(k) ?? 0);
    cur.push(cc.get(k) ?? 0);
  }
  return chiSquareDriftTest(ref, cur);
}

/**
 * Runs one drift test on prepared data. Returns the statistic and, for p-value tests, the
 * p-value.
 */
function runTest(test: DriftTestName, r: Prepared, c: Prepared, column: string): TestResult | { statistic: number } {
  if (NUMERIC_ONLY_TESTS.has(test) && (r.kind !== 'numeric' || c.kind !== 'numeric')) {
    throw new RangeError(`column "${column}": test "${test}" needs a numeric column (Float64Array)`);
  }
  switch (test) {
    case 'ks': {
      const res = ks2sampSorted((r as { sorted: Float64Array }).sorted, (c as { sorted: Float64Array }).sorted);
      return { statistic: res.statistic, pValue: res.pValue };
    }
    case 'wasserstein':
      return {
        statistic: wassersteinNormSorted((r as { sorted: Float64Array }).sorted, (c as { sorted: Float64Array }).sorted),
      };
    case 'chisquare':
      return chiSquare(r, c);
    case 'z':
      return zTest(r, c);
    case 'psi':
      return { statistic: psi(binned(r, c, true)) };
    case 'kl_div':
      return { statistic: klDivergence(binned(r, c, true)) };
    case 'jensenshannon':
      return { statistic: jensenShannonDistance(binned(r, c, false)) };
  }
}

/** Evidently's default role of a column (`_get_default_stattest`). */
export function defaultDriftRole(
  type: 'numeric' | 'categorical',
  referenceCount: number,
  nUnique: number,
  smallReferenceMaxRows = 1000,
  numericMaxCategoricalUnique = 5,
): DriftRole {
  const small = referenceCount <= smallReferenceMaxRows;
  const categoricalLike = type === 'categorical' || nUnique <= numericMaxCategoricalUnique;
  if (small) {
    if (!categoricalLike) return 'numericSmall';
    return nUnique > 2 ? 'categoricalSmall' : 'binarySmall';
  }
  return categoricalLike ? 'categoricalLarge' : 'numericLarge';
}

function checkThreshold(t: number | undefined, where: string): void {
  if (t !== undefined && !(Number.isFinite(t) && t >= 0)) {
    throw new RangeError(`${where}.threshold must be a finite number >= 0, got ${String(t)}`);
  }
}

/**
 * Compares one column of reference and current data with Evidently's semantics: NaN, +-Infinity
 * (numeric) and null/undefined (categorical) are dropped first; the test is the per-column
 * override, else `allColumns`, else Evidently's default for the column (see
 * {@link defaultDriftRole}); the threshold likewise, else the test's default.
 * @throws RangeError when a side has no non-missing value, or the test does not fit the type.
 */
export function columnDrift(
  column: string,
  reference: DriftColumn,
  current: DriftColumn,
  options: DriftOptions = {},
): ColumnDriftResult {
  const r = prepare(reference, column, 'reference');
  const c = prepare(current, column, 'current');
  if (r.kind !== c.kind) {
    throw new TypeError(`column "${column}" is ${r.kind} in reference but ${c.kind} in current; pass the same type`);
  }
  const referenceCount = count(r);
  const currentCount = count(c);
  if (referenceCount === 0) throw new RangeError(`column "${column}" has no non-missing value in the reference data`);
  if (currentCount === 0) throw new RangeError(`column "${column}" has no non-missing value in the current data`);
  const nUnique = unionUnique(r, c);
  const type = r.kind;
  const perColumn = options.columnTests?.[column];
  const all = options.allColumns;
  let test: DriftTestName;
  let threshold: number | undefined;
  checkThreshold(perColumn?.threshold, `columnTests["${column}"]`);
  checkThreshold(all?.threshold, 'allColumns');
  if (perColumn?.test !== undefined) test = parseDriftTestName(perColumn.test, `columnTests["${column}"].test`);
  else if (all?.test !== undefined) test = parseDriftTestName(all.test, 'allColumns.test');
  else {
    const role = defaultDriftRole(
      type,
      referenceCount,
      nUnique,
      options.smallReferenceMaxRows,
      options.numericMaxCategoricalUnique,
    );
    const roleConfig = options.defaults?.[role];
    checkThreshold(roleConfig?.threshold, `defaults.${role}`);
    test = roleConfig?.test !== undefined ? parseDriftTestName(roleConfig.test, `defaults.${role}.test`) : DEFAULT_ROLE_TESTS[role];
    threshold = roleConfig?.threshold;
  }
  threshold = perColumn?.threshold ?? all?.threshold ?? threshold ?? DEFAULT_THRESHOLDS[test];
  const res = runTest(test, r, c, column);
  const pValue = 'pValue' in res ? res.pValue : undefined;
  const score = P_VALUE_TESTS.has(test) ? (pValue as number) : res.statistic;
  const out: ColumnDriftResult = {
    column,
    type,
    test,
    statistic: res.statistic,
    threshold,
    drifted: isDrift(test, score, threshold),
    referenceCount,
    currentCount,
    nUnique,
  };
  if (pValue !== undefined) out.pValue = pValue;
  return out;
}

/**
 * Data drift report over column-oriented reference and current tables (Evidently's
 * DataDriftPreset semantics): one {@link columnDrift} per column, then
 * datasetDrift = share of drifted columns >= `driftShare` (0.5).
 * @throws RangeError when a requested column is missing from either table or no column is compared.
 */
export function driftReport(reference: DriftTable, current: DriftTable, options: DriftOptions = {}): DriftReport {
  const driftShare = options.driftShare ?? 0.5;
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw new RangeError(`options.driftShare must be in [0, 1], got ${String(options.driftShare)}`);
  }
  const names = options.columns ?? Object.keys(reference).filter((k) => k in current);
  if (names.length === 0) throw new RangeError('driftReport: no column to compare; reference and current share no column');
  for (const name of names) {
    if (!(name in reference)) throw new RangeError(`driftReport: column "${name}" is missing from the reference data`);
    if (!(name in current)) throw new RangeError(`driftReport: column "${name}" is missing from the current data`);
  }
  const columns = names.map((name) => columnDrift(name, reference[name], current[name], options));
  const drifted = columns.filter((c) => c.drifted).length;
  const driftedShare = drifted / columns.length;
  return {
    columns,
    numberOfColumns: columns.length,
    numberOfDriftedColumns: drifted,
    driftedShare,
    driftShareThreshold: driftShare,
    datasetDrift: driftedShare >= driftShare,
  };
}
