import { shapBaseValue, shapValuesRow, topContributions, type TreeEnsemble } from '@mlops/ml';
import { PipelineExplainer } from '@mlops/training';

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
 * preprocessed model columns (`featureNames`, e.g. `tenure`, `contract_Month-to-month`). For an
 * embedder that holds the fitted model in process; registry versions use {@link artifactExplainer}.
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

/**
 * The explainer of a registered version, rebuilt from its explainer artifact (`model/explainer.json`
 * of the version's run, written by training: fitted features, preprocessing, the model as libs/ml
 * JSON). Tree models: TreeSHAP on the same trees as the training process (values equal its
 * in-process explainer's); logistic regression: exact linear SHAP of the log-odds with the training
 * means as background (shap.LinearExplainer, independent features). `baseValue + sum(all values)`
 * is the model's margin (a forest's: its mean probability).
 * @throws Error naming `where` and the bad field when the artifact is malformed.
 */
export function artifactExplainer(json: unknown, where: string): ModelExplainer {
  const pipeline = PipelineExplainer.fromJSON(json, where);
  const names = pipeline.featureNames;
  return {
    explain(row, k) {
      const e = pipeline.explain(row);
      return { baseValue: e.baseValue, contributions: topContributions(e.values, names, k).map((c) => ({ feature: c.feature, value: c.value })) };
    },
  };
}
