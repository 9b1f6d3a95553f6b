import type { TrainingCandidate } from '@mlops/training';

/**
 * The final metrics table: one row per model, test-split metrics at each model's own decision
 * threshold (chosen on validation), the best model (highest validation ROC-AUC) marked with `*`.
 */
export function metricsTable(candidates: readonly TrainingCandidate[], best: string): string {
  const header = [
    'model',
    'val AUC',
    'test AUC',
    'accuracy',
    'precision',
    'recall',
    'F1',
    'threshold',
    'fit s',
  ];
  const rows = candidates.map((c) => [
    (c.algorithm === best ? '* ' : '  ') + c.algorithm,
    c.metrics.validation.rocAuc.toFixed(4),
    c.metrics.test.rocAuc.toFixed(4),
    c.metrics.test.accuracy.toFixed(4),
    c.metrics.test.precision.toFixed(4),
    c.metrics.test.recall.toFixed(4),
    c.metrics.test.f1.toFixed(4),
    c.threshold.value.toFixed(4),
    c.timings.fitSeconds.toFixed(2),
  ]);
  return table(header, rows);
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt)].join('\n') + '\n';
}
