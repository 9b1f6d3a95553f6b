/** Kinds of metric the helpers create. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Base-unit suffixes accepted at the end of a histogram name (Prometheus naming practice). */
export const UNIT_SUFFIXES = [
  'seconds',
  'bytes',
  'ratio',
  'rows',
  'items',
  'events',
  'messages',
  'records',
  'requests',
] as const;

/** Non-base units and the base unit to use instead. */
const NON_BASE_UNITS: Record<string, string> = {
  ms: 'seconds',
  millis: 'seconds',
  milliseconds: 'seconds',
  microseconds: 'seconds',
  us: 'seconds',
  ns: 'seconds',
  nanoseconds: 'seconds',
  minutes: 'seconds',
  hours: 'seconds',
  kb: 'bytes',
  mb: 'bytes',
  gb: 'bytes',
  kilobytes: 'bytes',
  megabytes: 'bytes',
  gigabytes: 'bytes',
  percent: 'ratio',
};

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const RESERVED_SUFFIXES = ['_bucket', '_count', '_sum', '_created'];

/**
 * Problems of a metric name, empty when it is valid. Rules: snake_case (`[a-z][a-z0-9_]*`, no
 * double or trailing underscore); a counter ends in `_total` and nothing else does; no name ends
 * in a suffix Prometheus generates (`_bucket`, `_count`, `_sum`, `_created`); units are base
 * units (`_seconds` not `_ms`, `_bytes` not `_mb`, `_ratio` not `_percent`); a histogram ends in
 * a unit (`_seconds`, `_bytes`, `_ratio`, `_rows`, ...).
 */
export function metricNameProblems(kind: MetricKind, name: string): string[] {
  const problems: string[] = [];
  if (!SNAKE.test(name))
    problems.push(
      'must be snake_case: lower-case letters, digits and single underscores, starting with a letter',
    );
  const isTotal = name.endsWith('_total');
  if (kind === 'counter' && !isTotal) problems.push('a counter name must end in _total');
  if (kind !== 'counter' && isTotal) problems.push(`only counters end in _total (this is a ${kind})`);
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix))
      problems.push(`must not end in ${suffix} (Prometheus adds it to histogram series)`);
  }
  const stem = isTotal ? name.slice(0, -'_total'.length) : name;
  const unit = stem.split('_').pop() ?? '';
  const base = NON_BASE_UNITS[unit];
  if (base !== undefined) problems.push(`use the base unit: _${base} instead of _${unit}`);
  if (kind === 'histogram' && !(UNIT_SUFFIXES as readonly string[]).includes(unit)) {
    problems.push(`a histogram name must end in a unit: ${UNIT_SUFFIXES.map((u) => `_${u}`).join(', ')}`);
  }
  return problems;
}

/** Problems of a label name ('service' is reserved: the registry sets it on every series). */
export function labelNameProblems(label: string): string[] {
  const problems: string[] = [];
  if (!SNAKE.test(label)) problems.push(`label "${label}" must be snake_case`);
  if (['service', 'le', 'quantile'].includes(label)) problems.push(`label "${label}" is reserved`);
  return problems;
}

/** Throws an Error naming the metric and every rule it breaks. */
export function assertMetricName(kind: MetricKind, name: string, labelNames: readonly string[] = []): void {
  const problems = [...metricNameProblems(kind, name), ...labelNames.flatMap(labelNameProblems)];
  if (problems.length > 0) throw new Error(`Invalid ${kind} "${name}": ${problems.join('; ')}`);
}
