import { parse as parseYaml } from 'yaml';
import { EXPECTATIONS } from '../expectations/registry.js';
import { parseRowCondition, type RowCondition } from './row-condition.js';

/** One expectation of a suite, as Great Expectations 1.x serialises it. */
export interface ExpectationConfig {
  type: string;
  kwargs: Readonly<Record<string, unknown>>;
  meta?: Readonly<Record<string, unknown>>;
}

/** A parsed, checked expectation suite. */
export interface ExpectationSuite {
  name: string;
  expectations: readonly ExpectationConfig[];
  meta?: Readonly<Record<string, unknown>>;
}

/** An expectation with its parsed row_condition (internal). */
export interface CompiledExpectation extends ExpectationConfig {
  condition?: RowCondition;
}

const PARSED = new WeakSet<object>();

/** Whether `x` came from {@link parseSuite} (already checked and compiled). */
export function isParsedSuite(x: unknown): x is ExpectationSuite {
  return typeof x === 'object' && x !== null && PARSED.has(x);
}

export class SuiteError extends Error {
  override name = 'SuiteError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses an expectation suite given as YAML or JSON text or as an already-parsed object:
 * `{ name, expectations: [{ type, kwargs, meta? }] }` (Great Expectations 1.x) or the 0.x keys
 * `expectation_suite_name` / `expectation_type`. Every expectation's kwargs are checked now, so a
 * bad suite fails at load time. `row_condition` (with `condition_parser` `pandas` or
 * `great_expectations`, both read with the same safe grammar) is parsed here too.
 * @throws SuiteError listing every problem with its path (`expectations[3].kwargs.min_value ...`).
 */
export function parseSuite(source: string | unknown): ExpectationSuite {
  let doc: unknown = source;
  if (typeof source === 'string') {
    try {
      doc = parseYaml(source);
    } catch (e) {
      throw new SuiteError(`suite: not valid YAML/JSON: ${(e as Error).message}`);
    }
  }
  if (!isRecord(doc)) throw new SuiteError('suite: expected a mapping with "name" and "expectations"');
  const name = doc.name ?? doc.expectation_suite_name;
  const problems: string[] = [];
  if (typeof name !== 'string' || name === '') problems.push('suite.name must be a non-empty string');
  const list = doc.expectations;
  if (!Array.isArray(list)) throw new SuiteError(['suite.expectations must be a list', ...problems].join('; '));
  const expectations: CompiledExpectation[] = [];
  list.forEach((e: unknown, i) => {
    const where = `expectations[${i}]`;
    if (!isRecord(e)) {
      problems.push(`${where} must be a mapping with "type" and "kwargs"`);
      return;
    }
    const type = e.type ?? e.expectation_type;
    const kwargs = e.kwargs ?? {};
    if (typeof type !== 'string') {
      problems.push(`${where}.type must be a string such as expect_column_values_to_not_be_null`);
      return;
    }
    const def = EXPECTATIONS.get(type);
    if (!def) {
      problems.push(`${where}.type "${type}" is not supported; use one of ${[...EXPECTATIONS.keys()].join(', ')}`);
      return;
    }
    if (!isRecord(kwargs)) {
      problems.push(`${where}.kwargs must be a mapping`);
      return;
    }
    try {
      def.check(kwargs);
    } catch (err) {
      problems.push(`${where} (${type}): ${(err as Error).message}`);
      return;
    }
    const compiled: CompiledExpectation = { type, kwargs };
    if (isRecord(e.meta)) compiled.meta = e.meta;
    const rc = kwargs.row_condition;
    if (rc !== undefined && rc !== null) {
      const parser = kwargs.condition_parser ?? 'pandas';
      if (parser !== 'pandas' && parser !== 'great_expectations') {
        problems.push(`${where}.kwargs.condition_parser must be "pandas" or "great_expectations", got ${JSON.stringify(parser)}`);
      } else if (typeof rc !== 'string') {
        problems.push(`${where}.kwargs.row_condition must be a string such as "tenure >= 1"`);
      } else {
        try {
          compiled.condition = parseRowCondition(rc);
        } catch (err) {
          problems.push(`${where}.kwargs.${(err as Error).message}`);
        }
      }
    }
    expectations.push(compiled);
  });
  if (problems.length) throw new SuiteError(`invalid expectation suite: ${problems.join('; ')}`);
  const suite: ExpectationSuite = isRecord(doc.meta)
    ? { name: name as string, expectations, meta: doc.meta }
    : { name: name as string, expectations };
  PARSED.add(suite);
  return suite;
}
