import type { BinsFeature, Condition, FeatureDefinition, FittedFeatures } from '../features/features.js';
import { OnnxGraphBuilder, ONNX_ML_DOMAIN, onnxAttr } from './graph-builder.js';

/**
 * ONNX nodes for the fitted feature engineering of libs/ml/src/features (bins, product, ratio,
 * flag), with the module's exact semantics: the graph computes what `FittedFeatures.apply` /
 * `applyRecord` compute, value for value. Internal to the pipeline export.
 */

/**
 * How a missing categorical value is written into a string input: the empty string (the features
 * and preprocessing modules read '' as missing too). The serving helper (`runOnnxPipeline`) maps
 * null/undefined to it.
 */
export const ONNX_MISSING_CATEGORY = '';

/** The parts of a fitted `FittedFeatures` the exporter reads (a `FittedFeatures` or its `toJSON()`). */
export type ExportableFeatures = Pick<FittedFeatures, 'spec' | 'statistics'>;

/** A value in the graph: double [N, 1] (NaN = missing) or string [N, 1] ('' = missing). */
export interface GraphValue {
  readonly name: string;
  readonly type: 'double' | 'string';
}

/**
 * How a feature reads a column. `numeric` and `string` are hard needs (arithmetic, bins); the
 * `-soft` needs come from flag conditions, which work on either input type (a numeric target on a
 * string input parses it like `toNumber`; a string target on a double input compares `String(x)`).
 */
export type ColumnNeed = 'numeric' | 'string' | 'numeric-soft' | 'string-soft';

export interface ColumnRead {
  readonly column: string;
  readonly need: ColumnNeed;
  readonly user: string;
}

interface ResolvedCondition {
  readonly column: string;
  readonly op: Condition['op'];
  readonly target: number | string;
}

/** A flag's conditions with their targets fixed, exactly as `FittedFeatures`' constructor does. */
function resolveConditions(
  f: Extract<FeatureDefinition, { kind: 'flag' }>,
  statistics: Readonly<Record<string, number>>,
): ResolvedCondition[] {
  return f.all.map((c, i) => {
    const key = `${f.name}.${i}`;
    const target = c.statistic !== undefined ? statistics[key] : c.value;
    if (target === undefined)
      throw new Error(
        `feature '${f.name}' condition ${i}: no value and no fitted statistic '${key}'; export features fitted by fitFeatures`,
      );
    return { column: c.column, op: c.op, target };
  });
}

/**
 * The columns the features read that are not produced by an earlier feature (so they must be raw
 * inputs), in spec order, and the type of each feature's output.
 */
export function featureReads(features: ExportableFeatures | undefined): {
  reads: ColumnRead[];
  defined: Map<string, GraphValue['type']>;
} {
  const reads: ColumnRead[] = [];
  const defined = new Map<string, GraphValue['type']>();
  for (const f of features?.spec.features ?? []) {
    const user = `feature '${f.name}'`;
    const read = (column: string, need: ColumnNeed): void => {
      if (!defined.has(column)) reads.push({ column, need, user });
    };
    if (f.kind === 'bins') read(f.source, 'numeric');
    else if (f.kind === 'product') {
      read(f.sources[0], 'numeric');
      read(f.sources[1], 'numeric');
    } else if (f.kind === 'ratio') {
      read(f.numerator, 'numeric');
      read(f.denominator, 'numeric');
    } else
      for (const c of resolveConditions(f, features!.statistics))
        read(c.column, typeof c.target === 'number' ? 'numeric-soft' : 'string-soft');
    defined.set(f.name, f.kind === 'bins' ? 'string' : 'double');
  }
  return { reads, defined };
}

/**
 * Appends the feature nodes in spec order. `values` holds the raw inputs on entry and gains one
 * entry per feature (a feature may replace a column of the same name, as `Dataset.withColumns`).
 *
 * - bins: string label, '' outside every bin and for NaN (`binIndex`: pandas.cut, right-closed
 *   by default, `includeLowest`; 'inf'/'-inf' edges).
 * - product a * b, ratio a / (b + offset): IEEE float64, NaN propagates, x / 0 = +-Infinity.
 * - flag: 1 when every condition holds, else 0; no condition -> 1. A missing value (NaN, '')
 *   makes any condition false, `ne` included. Numeric target: float64 comparison (a string input
 *   is parsed; '' and blanks are missing). String target on a string input: equality, or
 *   JavaScript's UTF-16 code-unit order for gt/ge/lt/le (via RegexFullMatch). String target on a
 *   double input: `String(x) === target` (eq/ne only).
 *
 * @throws Error naming the feature when it reads an unknown column or one of the wrong type, or
 *   uses something ONNX cannot express exactly (a string order on a numeric column, an astral
 *   character in a string order target, an empty bin label).
 */
export function addFeatureNodes(
  g: OnnxGraphBuilder,
  features: ExportableFeatures | undefined,
  values: Map<string, GraphValue>,
): void {
  for (const f of features?.spec.features ?? []) {
    const user = `feature '${f.name}'`;
    const get = (name: string, type?: GraphValue['type']): GraphValue => {
      const v = values.get(name);
      if (v === undefined)
        throw new Error(
          `${user} reads column '${name}', which is neither a raw column nor a feature defined before it`,
        );
      if (type !== undefined && v.type !== type) {
        throw new Error(
          `${user} needs '${name}' to be ${type === 'double' ? 'numeric' : 'categorical'}, but it is ${v.type === 'double' ? 'numeric' : 'categorical'}`,
        );
      }
      return v;
    };
    let out: GraphValue;
    switch (f.kind) {
      case 'product':
        out = {
          name: g.op1(
            'Mul',
            [get(f.sources[0], 'double').name, get(f.sources[1], 'double').name],
            {},
            { name: f.name },
          ),
          type: 'double',
        };
        break;
      case 'ratio': {
        const den = g.op1(
          'Add',
          [get(f.denominator, 'double').name, g.scalar('double', f.offset ?? 0)],
          {},
          { name: `${f.name}_den` },
        );
        out = {
          name: g.op1('Div', [get(f.numerator, 'double').name, den], {}, { name: f.name }),
          type: 'double',
        };
        break;
      }
      case 'bins':
        out = { name: addBins(g, f, get(f.source, 'double').name), type: 'string' };
        break;
      case 'flag': {
        const conds = resolveConditions(f, features!.statistics).map((c, i) =>
          addCondition(g, `${f.name}_${i}`, c, get(c.column), user),
        );
        let all: string;
        if (conds.length === 0) {
          const ref = values.values().next().value;
          if (ref === undefined)
            throw new Error(`${user} has no condition and the graph has no input to take the row count from`);
          all = alwaysTrue(g, ref);
        } else all = conds.reduce((a, b) => g.op1('And', [a, b], {}, { name: `${f.name}_and` }));
        out = { name: g.op1('Cast', [all], { to: 11 }, { name: f.name }), type: 'double' };
        break;
      }
    }
    values.set(f.name, out);
  }
}

/** bool [N, 1] true on every row (shaped like `ref`). */
function alwaysTrue(g: OnnxGraphBuilder, ref: GraphValue): string {
  if (ref.type === 'string') return g.op1('Equal', [ref.name, ref.name], {}, { name: 'rows' });
  const nan = g.op1('IsNaN', [ref.name], {}, { name: 'rows_nan' });
  return g.op1('Or', [nan, g.op1('Not', [nan], {}, { name: 'rows_not_nan' })], {}, { name: 'rows' });
}

/** A string [N, 1] parsed to double [N, 1] like `toNumber`: '' and blanks -> NaN. */
function parseNumber(g: OnnxGraphBuilder, s: string, prefix: string): string {
  const blank = g.op1('RegexFullMatch', [s], { pattern: `[${JS_WHITESPACE}]*` }, { name: `${prefix}_blank` });
  const text = g.op1('Where', [blank, g.scalar('string', 'NaN'), s], {}, { name: `${prefix}_text` });
  return g.op1('Cast', [text], { to: 11 }, { name: `${prefix}_num` });
}

/** The characters `String.prototype.trim` removes, as an RE2 class body. */
const JS_WHITESPACE =
  '\\t\\n\\x{b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

const COMPARE_OP = {
  eq: 'Equal',
  gt: 'Greater',
  ge: 'GreaterOrEqual',
  lt: 'Less',
  le: 'LessOrEqual',
} as const;

/** One flag condition -> bool [N, 1]; missing values give false (`holds`). */
function addCondition(
  g: OnnxGraphBuilder,
  prefix: string,
  c: ResolvedCondition,
  v: GraphValue,
  user: string,
): string {
  const and = (a: string, b: string): string => g.op1('And', [a, b], {}, { name: `${prefix}_present` });
  const not = (a: string): string => g.op1('Not', [a], {}, { name: `${prefix}_not` });
  if (typeof c.target === 'number') {
    const x = v.type === 'double' ? v.name : parseNumber(g, v.name, prefix);
    const t = g.scalar('double', c.target);
    if (c.op !== 'ne') return g.op1(COMPARE_OP[c.op], [x, t], {}, { name: prefix });
    // NaN !== t is true in JavaScript, but a missing value fails every condition.
    return and(
      not(g.op1('Equal', [x, t], {}, { name: prefix })),
      not(g.op1('IsNaN', [x], {}, { name: `${prefix}_nan` })),
    );
  }
  const target = c.target;
  if (v.type === 'double') {
    // toCategory(x) = String(x): equal to the target only for the number whose canonical string it is.
    if (c.op !== 'eq' && c.op !== 'ne') {
      throw new Error(
        `${user}: '${c.column}' is numeric, and ordering String(${c.column}) against '${target}' (${c.op}) has no exact ONNX form; compare with a number instead`,
      );
    }
    const n = Number(target);
    const canonical = !Number.isNaN(n) && String(n) === target;
    const present = not(g.op1('IsNaN', [v.name], {}, { name: `${prefix}_nan` }));
    const eq = canonical
      ? g.op1('Equal', [v.name, g.scalar('double', n)], {}, { name: prefix })
      : not(present);
    return c.op === 'eq' ? and(eq, present) : and(not(eq), present);
  }
  const present = not(
    g.op1('Equal', [v.name, g.scalar('string', ONNX_MISSING_CATEGORY)], {}, { name: `${prefix}_missing` }),
  );
  if (c.op === 'eq' || c.op === 'ne') {
    const eq = g.op1('Equal', [v.name, g.scalar('string', target)], {}, { name: prefix });
    return and(c.op === 'eq' ? eq : not(eq), present);
  }
  let pattern: string | null;
  try {
    pattern = stringOrderPattern(target, c.op);
  } catch (e) {
    throw new Error(`${user}: ${(e as Error).message}`);
  }
  if (pattern === null) return and(not(present), present); // no string satisfies it
  return and(g.op1('RegexFullMatch', [v.name], { pattern }, { name: prefix }), present);
}

const hex = (c: number): string => `\\x{${c.toString(16)}}`;

/**
 * An RE2 pattern whose full matches are exactly the strings s with `s op t` in JavaScript's
 * string order (UTF-16 code units), or null when no string matches. s > t when s extends t or
 * at the first difference s has the larger code unit; a character outside the BMP counts as its
 * high surrogate (0xD800-0xDBFF), which lies below U+E000-U+FFFF.
 *
 * @throws Error when `t` has a character outside the BMP (surrogate pairs are not supported).
 */
export function stringOrderPattern(t: string, op: 'gt' | 'ge' | 'lt' | 'le'): string | null {
  const units = Array.from({ length: t.length }, (_, i) => t.charCodeAt(i));
  if (units.some((u) => u >= 0xd800 && u <= 0xdfff)) {
    throw new Error(
      `the ${op} target ${JSON.stringify(t)} has a character outside the Basic Multilingual Plane; use targets of BMP characters`,
    );
  }
  const lit = (k: number): string => units.slice(0, k).map(hex).join('');
  const above = (c: number): string | null =>
    c < 0xd800 ? `[${hex(c + 1)}-\\x{10ffff}]` : c < 0xffff ? `[${hex(c + 1)}-\\x{ffff}]` : null;
  const below = (c: number): string | null => {
    const parts = [c > 0 ? `\\x{0}-${hex(c - 1)}` : '', c >= 0xe000 ? '\\x{10000}-\\x{10ffff}' : ''].join('');
    return parts === '' ? null : `[${parts}]`;
  };
  const alts: string[] = [];
  const n = units.length;
  for (let i = 0; i < n; i++) {
    const cls = op === 'gt' || op === 'ge' ? above(units[i]!) : below(units[i]!);
    if (cls !== null) alts.push(`${lit(i)}${cls}(?s:.*)`);
    if (op === 'lt' || op === 'le') alts.push(`${lit(i)}`); // proper prefixes are smaller
  }
  if (op === 'gt' || op === 'ge') alts.push(`${lit(n)}(?s:.+)`);
  if (op === 'ge' || op === 'le') alts.push(lit(n));
  const nonEmpty = alts.map((a) => (a === '' ? '(?:)' : `(?:${a})`));
  return nonEmpty.length === 0 ? null : nonEmpty.join('|');
}

/** Bins -> a string [N, 1] label ('' when outside every bin or NaN), via edge counts (`binIndex`): four nodes, seven with mixed inclusivity. */
function addBins(g: OnnxGraphBuilder, d: BinsFeature, x: string): string {
  const k = d.labels.length;
  const edges = d.edges.map((e) => (e === 'inf' ? Infinity : e === '-inf' ? -Infinity : e));
  if (edges.length !== k + 1)
    throw new RangeError(
      `feature '${d.name}': ${edges.length} edges for ${k} labels; need labels.length + 1 edges`,
    );
  for (let e = 1; e < edges.length; e++) {
    if (!(edges[e]! > edges[e - 1]!))
      throw new RangeError(
        `feature '${d.name}': edges must increase strictly, got ${JSON.stringify(d.edges)}`,
      );
  }
  if (k === 0) throw new RangeError(`feature '${d.name}': no bins; give at least two edges and one label`);
  if (d.labels.includes(ONNX_MISSING_CATEGORY))
    throw new RangeError(`feature '${d.name}': a bin label is '', which ONNX reads as missing; rename it`);
  const right = d.right ?? true;
  const includeLowest = d.includeLowest ?? false;
  // count = number of edges the value has passed; the label index is count - 1 when 1 <= count <= k.
  // right: (e_i, e_i+1], first edge inclusive with includeLowest; left: [e_i, e_i+1), last edge inclusive with includeLowest.
  // All edges in one comparison x [N, 1] against edges [1, k + 1] (NaN passes none).
  const inclusive = edges.map((_, j) => (right ? j === 0 && includeLowest : !(j === k && includeLowest)));
  const e = g.constant(`${d.name}_edges`, 'double', [1, edges.length], edges);
  const compare = (op: 'Greater' | 'GreaterOrEqual'): string => g.op1(op, [x, e], {}, { name: `${d.name}_passed` });
  let passed: string;
  if (inclusive.every((v) => v)) passed = compare('GreaterOrEqual');
  else if (inclusive.every((v) => !v)) passed = compare('Greater');
  else {
    const mask = g.constant(`${d.name}_inclusive`, 'bool', [1, edges.length], inclusive.map((v) => (v ? 1 : 0)));
    // x > e, or x == e at an inclusive edge (onnxruntime has no Where over bool).
    const atInclusive = g.op1('And', [g.op1('Equal', [x, e], {}, { name: `${d.name}_at_edge` }), mask], {}, { name: `${d.name}_at_inclusive` });
    passed = g.op1('Or', [compare('Greater'), atInclusive], {}, { name: `${d.name}_passed` });
  }
  const count = g.op1(
    'ReduceSum',
    [g.op1('Cast', [passed], { to: 7 }, { name: `${d.name}_passed_i` }), g.constant(`${d.name}_axis`, 'int64', [1], [1])],
    { keepdims: 1 },
    { name: `${d.name}_count` },
  );
  return g.op1(
    'LabelEncoder',
    [count],
    {
      keys_int64s: onnxAttr.ints(d.labels.map((_, j) => j + 1)),
      values_strings: onnxAttr.strings(d.labels),
      default_string: ONNX_MISSING_CATEGORY,
    },
    { domain: ONNX_ML_DOMAIN, name: d.name },
  );
}
