import { z } from 'zod';
import {
  columnNameSchema,
  modelNameSchema,
  nonNegativeNumberSchema,
  timeWindowSchema,
  unitIntervalSchema,
  uuidSchema,
} from '../../common/primitives.js';

/** Evidently's stattest names: `ks`, `chisquare`, `z`, `wasserstein`, `jensenshannon`, `psi`, `kl_div`. */
export const driftTestSchema = z.enum([
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl_div',
]);
export type DriftTest = z.infer<typeof driftTestSchema>;

/**
 * The result of one column's test. For p-value tests (`ks`, `chisquare`, `z`) `pValue` is set
 * and the column drifts when it is below `threshold`; for distances it drifts when `statistic`
 * reaches `threshold` (Evidently's rules, see docs/reference-semantics).
 */
export const columnDriftSchema = z.strictObject({
  column: columnNameSchema,
  test: driftTestSchema,
  statistic: z.number(),
  pValue: unitIntervalSchema.optional(),
  threshold: nonNegativeNumberSchema,
  drifted: z.boolean(),
});
export type ColumnDrift = z.infer<typeof columnDriftSchema>;

/** A window of served-prediction inputs of a model, compared instead of a stored dataset. */
export const driftWindowSchema = z.strictObject({
  modelName: modelNameSchema,
  range: timeWindowSchema,
});
export type DriftWindow = z.infer<typeof driftWindowSchema>;

/** Fields shared by drift-checked and drift-detected. */
export const driftSubjectShape = {
  /** Id of the drift check (one per comparison); drift-detected repeats it. */
  checkId: uuidSchema,
  /** The compared dataset version (either this or `window`). */
  datasetId: uuidSchema.optional(),
  /** The compared window of served inputs (either this or `datasetId`). */
  window: driftWindowSchema.optional(),
  /** The reference dataset: the training data of the production model. */
  referenceId: uuidSchema,
  /** Share of tested columns that drifted, in [0, 1]. */
  driftedShare: unitIntervalSchema,
  /** Share at or above which the dataset drifts (Evidently: 0.5). */
  driftShareThreshold: unitIntervalSchema,
  /** `driftedShare >= driftShareThreshold`. */
  datasetDrift: z.boolean(),
  /** Per-column results, one per tested column. */
  columns: z.array(columnDriftSchema).min(1).max(1000),
};

interface DriftSubject {
  datasetId?: string | undefined;
  window?: DriftWindow | undefined;
  driftedShare: number;
  driftShareThreshold: number;
  datasetDrift: boolean;
  columns: ColumnDrift[];
}

/** Checks what the fields of a drift result imply about each other. */
export function refineDriftSubject(p: DriftSubject, ctx: z.RefinementCtx): void {
  if ((p.datasetId === undefined) === (p.window === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['datasetId'], message: 'set exactly one of datasetId and window' });
  }
  const names = new Set<string>();
  p.columns.forEach((c, i) => {
    if (names.has(c.column))
      ctx.addIssue({
        code: 'custom',
        path: ['columns', i, 'column'],
        message: `duplicate column "${c.column}"`,
      });
    names.add(c.column);
  });
  const share = p.columns.filter((c) => c.drifted).length / p.columns.length;
  if (Math.abs(share - p.driftedShare) > 1e-9) {
    ctx.addIssue({
      code: 'custom',
      path: ['driftedShare'],
      message: `driftedShare must be the share of drifted columns (${share}), got ${p.driftedShare}`,
    });
  }
  if (p.datasetDrift !== p.driftedShare >= p.driftShareThreshold) {
    ctx.addIssue({
      code: 'custom',
      path: ['datasetDrift'],
      message: `datasetDrift must be driftedShare >= driftShareThreshold (${p.driftedShare} >= ${p.driftShareThreshold})`,
    });
  }
}

/** Key of a drift event: the dataset id, or for a window check the reference id. */
export function driftKey(p: { datasetId?: string | undefined; referenceId: string }): string {
  return p.datasetId ?? p.referenceId;
}
