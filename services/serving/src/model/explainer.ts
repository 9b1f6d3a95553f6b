import { shapBaseValue, shapValuesRow, topContributions, type TreeEnsemble } from '@mlops/ml';

/** A raw row as the model reads it (null = missing). */
export type ServingRow = Readonly<Record<string, number | string | null>>;

export interface Explanation {
  /** SHAP base value (expected margin, log-odds). */
  readonly baseValue: number;
  /** Top-k contributions, largest |value| first. */
  readonly contributions: readonly { readonly feature: string; readonly value: number }[];
}

/** Explains one prediction of one model version. */
export interface ModelExplainer {
  explain(row: ServingRow, k: number): Explanation;
}

/** Anything that turns a raw record into the model's column vector (features then preprocessing). */
export interface RowTransform {
  transform(row: ServingRow): ArrayLike<number>;
}

/**
 * TreeSHAP over the in-process tree ensemble of a version (`GradientBoostingClassifier.toEnsemble()`),
 * after the fitted features and preprocessing (`transform`). Contributions are named after the
 * preprocessed model columns (`featureNames`, e.g. `tenure`, `contract_Month-to-month`). The ONNX
 * artifact does not carry the ensemble in a form TreeSHAP reads, so a version gets explanations only
 * when its explainer is registered with the serving module.
 */
export function treeShapExplainer(ensemble: TreeEnsemble, transform: RowTransform, featureNames: readonly string[]): ModelExplainer {
  const baseValue = shapBaseValue(ensemble);
  return {
    explain(row, k) {
      const values = shapValuesRow(ensemble, transform.transform(row)).values;
      return { baseValue, contributions: topContributions(values, featureNames, k).map((c) => ({ feature: c.feature, value: c.value })) };
    },
  };
}
