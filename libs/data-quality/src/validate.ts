import { EXPECTATIONS } from './expectations/registry.js';
import { ExpectationEvaluationError, type ExpectationResultDetails } from './expectations/types.js';
import { matchingRows } from './suite/row-condition.js';
import { isParsedSuite, parseSuite, type CompiledExpectation, type ExpectationSuite } from './suite/suite.js';
import { rowCount, selectRows, type DqTable } from './table.js';

/** One expectation's outcome, in Great Expectations' shape. */
export interface ExpectationValidationResult {
  expectation_type: string;
  kwargs: Readonly<Record<string, unknown>>;
  success: boolean;
  result: ExpectationResultDetails;
  exception_info?: { raised_exception: true; exception_message: string };
  meta?: Readonly<Record<string, unknown>>;
}

export interface ValidationStatistics {
  evaluated: number;
  successful: number;
  unsuccessful: number;
  /** successful / evaluated * 100 (100 for an empty suite). */
  success_percent: number;
}

export interface ValidationResult {
  suite_name: string;
  success: boolean;
  statistics: ValidationStatistics;
  results: ExpectationValidationResult[];
  /** The unsuccessful results, in suite order. */
  failing: ExpectationValidationResult[];
  /** ISO time the validation ran against (`now`). */
  evaluated_at: string;
}

export interface ValidateOptions {
  /** Reference time for freshness expectations (default: the current time). */
  now?: Date | number | string;
  /** Length of partial_unexpected_list (Great Expectations: 20). */
  partialUnexpectedCount?: number;
}

function toEpoch(now: ValidateOptions['now']): number {
  if (now === undefined) return Date.now();
  const t = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (Number.isNaN(t)) throw new RangeError(`options.now must be a Date, epoch milliseconds or an ISO-8601 string, got ${String(now)}`);
  return t;
}

/**
 * Runs an expectation suite on a column-oriented table with Great Expectations' semantics
 * (`mostly` over non-missing values, SUMMARY result fields, row_condition filters the rows first).
 * An expectation that cannot run (missing column) fails with `exception_info`, as in GE.
 * @param suite a parsed suite, or YAML/JSON text / object accepted by {@link parseSuite}
 */
export function validateTable(table: DqTable, suite: ExpectationSuite | string | unknown, options: ValidateOptions = {}): ValidationResult {
  const s = isParsedSuite(suite) ? suite : parseSuite(suite);
  const now = toEpoch(options.now);
  const partialUnexpectedCount = options.partialUnexpectedCount ?? 20;
  if (!(Number.isInteger(partialUnexpectedCount) && partialUnexpectedCount >= 0)) {
    throw new RangeError(`options.partialUnexpectedCount must be an integer >= 0, got ${partialUnexpectedCount}`);
  }
  const rows = rowCount(table);
  const results = s.expectations.map((e): ExpectationValidationResult => {
    const def = EXPECTATIONS.get(e.type);
    const base = { expectation_type: e.type, kwargs: e.kwargs, ...(e.meta ? { meta: e.meta } : {}) };
    try {
      if (!def) throw new ExpectationEvaluationError(`unsupported expectation ${e.type}`);
      let t = table;
      let n = rows;
      const cond = (e as CompiledExpectation).condition;
      if (cond) {
        const idx = matchingRows(table, cond, rows);
        t = selectRows(table, idx);
        n = idx.length;
      }
      const out = def.evaluate(e.kwargs, { table: t, rows: n, now, partialUnexpectedCount });
      return { ...base, success: out.success, result: out.result };
    } catch (err) {
      if (!(err instanceof ExpectationEvaluationError) && !(err instanceof RangeError)) throw err;
      return { ...base, success: false, result: {}, exception_info: { raised_exception: true, exception_message: err.message } };
    }
  });
  const successful = results.filter((r) => r.success).length;
  return {
    suite_name: s.name,
    success: successful === results.length,
    statistics: {
      evaluated: results.length,
      successful,
      unsuccessful: results.length - successful,
      success_percent: results.length ? (successful / results.length) * 100 : 100,
    },
    results,
    failing: results.filter((r) => !r.success),
    evaluated_at: new Date(now).toISOString(),
  };
}

/** The contract shape of a failing expectation (data-validation-completed event). */
export interface FailingExpectationSummary {
  expectationType: string;
  column?: string;
  columns?: string[];
  unexpectedCount: number;
  unexpectedPercent: number;
  observedValue?: number | string | boolean | null | (number | string)[];
}

/** Maps failing results to the `failingExpectations` entries of the validation-completed event. */
export function summarizeFailures(result: ValidationResult): FailingExpectationSummary[] {
  return result.failing.map((r) => {
    const kw = r.kwargs;
    const out: FailingExpectationSummary = {
      expectationType: r.expectation_type,
      unexpectedCount: r.result.unexpected_count ?? 0,
      unexpectedPercent: r.result.unexpected_percent ?? 0,
    };
    if (typeof kw.column === 'string') out.column = kw.column;
    const cols = [kw.column_A, kw.column_B].filter((c): c is string => typeof c === 'string');
    if (cols.length) out.columns = cols;
    if (Array.isArray(kw.column_list)) out.columns = kw.column_list.filter((c): c is string => typeof c === 'string');
    if (r.result.observed_value !== undefined) out.observedValue = r.result.observed_value;
    return out;
  });
}
