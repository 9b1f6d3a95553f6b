import { FittedFeatures, type FeatureDefinition, type FeatureSpec } from '@mlops/ml';

/** The features of a spec that ingestion can compute, and the ones left to each model version. */
export interface RecordFeatures {
  /** The kept features, fitted with no statistic: `applyRecord` is the training code for them. */
  readonly fitted: FittedFeatures;
  /** Names of the features that need a statistic fitted on a training split, or read one that does. */
  readonly excluded: readonly string[];
}

/** Columns a feature reads. */
function reads(f: FeatureDefinition): string[] {
  switch (f.kind) {
    case 'bins':
      return [f.source];
    case 'product':
      return [...f.sources];
    case 'ratio':
      return [f.numerator, f.denominator];
    case 'flag':
      return f.all.map((c) => c.column);
  }
}

/**
 * The model-independent part of a feature spec: the features whose value is a function of one raw
 * record alone (bins, products, ratios, flags comparing with literals), in spec order, as a
 * `FittedFeatures` with no statistic. Their `applyRecord` values are bitwise those of
 * `fitFeatures(spec, train).applyRecord`, whatever the training split, so ingestion can write them to
 * the online store before any model exists.
 *
 * A feature whose condition compares with a `statistic` (e.g. TELCO_FEATURES' `is_high_risk`:
 * monthly_charges > the training median) belongs to a model version: its value depends on the split
 * the model was fitted on (two served versions may disagree). It is excluded, with every feature that
 * reads it; serving computes it from the raw columns with the model's own fitted features (the ONNX
 * graph, or `getServingRecord(store, id, { recompute: fitted })`).
 */
export function recordFeatures(spec: FeatureSpec): RecordFeatures {
  const excluded = new Set<string>();
  const kept: FeatureDefinition[] = [];
  for (const f of spec.features) {
    const needsFit = f.kind === 'flag' && f.all.some((c) => c.statistic !== undefined);
    if (needsFit || reads(f).some((c) => excluded.has(c))) excluded.add(f.name);
    else kept.push(f);
  }
  return { fitted: new FittedFeatures({ features: kept }, {}), excluded: [...excluded] };
}
