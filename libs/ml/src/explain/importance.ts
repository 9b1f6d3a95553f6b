import { TreeShapError } from './tree-shap.js';

/** One feature's share of an explanation. */
export interface FeatureContribution {
  readonly index: number;
  readonly feature: string;
  readonly value: number;
}

/**
 * Global importance as shap's summary bar plot: mean over rows of |SHAP value| per feature,
 * importance_c = (1 / rows) * sum_r |values[r * nFeatures + c]|.
 *
 * Shapes: `values` row-major `[rows * nFeatures]` (the `values` of {@link shapValues});
 * `featureNames` has nFeatures names (defaults to `f0..f{n-1}` when given as a number).
 * Returns every feature sorted by importance, largest first (ties by column order). With 0 rows
 * every importance is 0. NaN in `values` makes that feature's importance NaN (sorted last).
 */
export function meanAbsShap(
  values: Float64Array,
  rows: number,
  featureNames: readonly string[] | number,
): FeatureContribution[] {
  const names =
    typeof featureNames === 'number' ? Array.from({ length: featureNames }, (_, i) => `f${i}`) : featureNames;
  const nF = names.length;
  if (!Number.isInteger(rows) || rows < 0)
    throw new TreeShapError(`meanAbsShap: rows must be a non-negative integer, got ${rows}`);
  if (values.length !== rows * nF)
    throw new TreeShapError(
      `meanAbsShap: values has ${values.length} entries, expected rows * nFeatures = ${rows} * ${nF} = ${rows * nF}`,
    );
  const sum = new Float64Array(nF);
  for (let r = 0; r < rows; r++) {
    const o = r * nF;
    for (let c = 0; c < nF; c++) sum[c]! += Math.abs(values[o + c]!);
  }
  const out: FeatureContribution[] = [];
  for (let c = 0; c < nF; c++) out.push({ index: c, feature: names[c]!, value: rows ? sum[c]! / rows : 0 });
  return out.sort(byMagnitude);
}

/**
 * The k features that moved one prediction the most (largest |SHAP value| first, ties by column
 * order), with their signed values, for serving responses ("tenure pushed churn up by 0.8").
 * `rowValues` is one row of SHAP values (length = featureNames.length); k is clipped to that
 * length. NaN values sort last.
 */
export function topContributions(
  rowValues: ArrayLike<number>,
  featureNames: readonly string[],
  k: number,
): FeatureContribution[] {
  if (rowValues.length !== featureNames.length)
    throw new TreeShapError(
      `topContributions: rowValues has ${rowValues.length} values but featureNames has ${featureNames.length} names`,
    );
  if (!Number.isInteger(k) || k < 0)
    throw new TreeShapError(`topContributions: k must be a non-negative integer, got ${k}`);
  const all: FeatureContribution[] = [];
  for (let c = 0; c < featureNames.length; c++)
    all.push({ index: c, feature: featureNames[c]!, value: rowValues[c]! });
  return all.sort(byMagnitude).slice(0, k);
}

function byMagnitude(a: FeatureContribution, b: FeatureContribution): number {
  const x = Math.abs(a.value);
  const y = Math.abs(b.value);
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  if (xn !== yn) return xn ? 1 : -1;
  if (!xn && x !== y) return y - x;
  return a.index - b.index;
}
