import type { Metric } from './tracking.types.js';

/**
 * Whether `a` comes after `b` in MLflow's latest-metric order: by step, then timestamp, then value
 * (NaN counts as larger than every number, as PostgreSQL orders float8, so the stores agree).
 */
export function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(a.value)) return !Number.isNaN(b.value);
  return a.value > b.value;
}

/**
 * The latest metric of each key of `metrics` ({@link isLater}), sorted by key (concurrent writers
 * that upsert them in this order lock the rows in the same order: no deadlock). O(n) plus the sort
 * of the distinct keys.
 */
export function latestPerKey(metrics: readonly Metric[]): Metric[] {
  const latest = new Map<string, Metric>();
  for (const metric of metrics) {
    const seen = latest.get(metric.key);
    if (seen === undefined || isLater(metric, seen)) latest.set(metric.key, metric);
  }
  return [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
