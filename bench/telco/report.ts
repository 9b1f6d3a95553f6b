/**
 * bench:telco step 4: computes the test-split metrics of ours AND the anchors with OUR metric code
 * (libs/ml metrics, equal to scikit-learn's) from the saved probabilities, at threshold 0.5
 * (positive when p >= 0.5), and prints one JSON line per model and impl, then one summary line
 * per model (ROC-AUC difference and the goal |ours - anchor| <= 0.005); then the variants
 * (meta.json): the mean ROC-AUC over several random_state values per impl with its summary, and
 * the exactly-binned no-sampling gbdt comparison; then an overall line.
 *
 * Usage: node dist/report.js --data DIR
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accuracyScore,
  averagePrecisionScore,
  f1Score,
  precisionScore,
  predictAt,
  recallScore,
  rocAucScore,
  takeLabels,
} from '@mlops/ml';
import { MODELS, arg, median, readF64, readJson, type Meta } from './common.js';

const GOAL_AUC_DIFF = 0.005;
const THRESHOLD = 0.5;

interface Fits {
  [model: string]: { fit_seconds: number[]; sklearn_roc_auc?: number; sklearn_average_precision?: number };
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function main(): void {
  const dir = arg('--data');
  const split = readJson<{ test: number[] }>(join(dir, 'split.json'));
  const yTest = takeLabels(new Uint8Array(readFileSync(join(dir, 'y.u8'))), split.test);
  const fits: Record<'ours' | 'anchor', Fits> = {
    ours: readJson<Fits>(join(dir, 'fits_ours.json')),
    anchor: readJson<Fits>(join(dir, 'fits_anchor.json')),
  };
  const summaries: string[] = [];
  let allMet = true;
  for (const model of MODELS) {
    const auc: Record<string, number> = {};
    const fitSeconds: Record<string, number> = {};
    for (const impl of ['ours', 'anchor'] as const) {
      const p = readF64(join(dir, `proba_${impl}_${model}.f64`));
      if (p.length !== yTest.length)
        throw new Error(`proba_${impl}_${model}.f64 has ${p.length} values for ${yTest.length} test rows`);
      const pred = predictAt(p, THRESHOLD);
      auc[impl] = rocAucScore(yTest, p);
      fitSeconds[impl] = median(fits[impl][model]!.fit_seconds);
      console.log(
        JSON.stringify({
          model,
          impl,
          test_auc: round(auc[impl], 6),
          test_pr_auc: round(averagePrecisionScore(yTest, p), 6),
          accuracy: round(accuracyScore(yTest, pred), 6),
          precision: round(precisionScore(yTest, pred), 6),
          recall: round(recallScore(yTest, pred), 6),
          f1: round(f1Score(yTest, pred), 6),
          fit_seconds: round(fitSeconds[impl], 4),
        }),
      );
    }
    const diff = auc['ours']! - auc['anchor']!;
    const met = Math.abs(diff) <= GOAL_AUC_DIFF;
    allMet &&= met;
    // Cross-check: our metric code against sklearn's on the anchor's own probabilities.
    const a = fits.anchor[model]!;
    const pa = readF64(join(dir, `proba_anchor_${model}.f64`));
    const check =
      a.sklearn_roc_auc === undefined || a.sklearn_average_precision === undefined
        ? null
        : Math.max(
            Math.abs(a.sklearn_roc_auc - rocAucScore(yTest, pa)),
            Math.abs(a.sklearn_average_precision - averagePrecisionScore(yTest, pa)),
          );
    summaries.push(
      JSON.stringify({
        model,
        summary: 'auc_diff',
        auc_ours: round(auc['ours']!, 6),
        auc_anchor: round(auc['anchor']!, 6),
        auc_diff: round(diff, 6),
        goal: `|auc_diff| <= ${GOAL_AUC_DIFF}`,
        meets_goal: met,
        fit_seconds_ratio: round(fitSeconds['ours']! / fitSeconds['anchor']!, 3),
        metrics_vs_sklearn_max_abs_diff: check,
      }),
    );
  }
  for (const s of summaries) console.log(s);

  // Variants: the spread over random_state (sampling), and gbdt on exactly binned columns.
  const meta = readJson<Meta>(join(dir, 'meta.json'));
  const proba = (impl: string, id: string): Float64Array => readF64(join(dir, `proba_${impl}_${id}.f64`));
  let allMetOverSeeds = true;
  for (const model of MODELS) {
    const seedVariants = meta.variants.filter((v) => v.kind === 'seed' && v.model === model);
    if (seedVariants.length === 0) continue;
    const ids = [model, ...seedVariants.map((v) => v.id)];
    const seedParams: Readonly<Record<string, unknown>> = meta.models[model];
    const randomStates = [
      seedParams['random_state'],
      ...seedVariants.map((v) => v.overrides['random_state']!),
    ];
    const means: Record<string, number> = {};
    for (const impl of ['ours', 'anchor'] as const) {
      const aucs = ids.map((id) => rocAucScore(yTest, proba(impl, id)));
      const m = aucs.reduce((a, b) => a + b, 0) / aucs.length;
      const sd = Math.sqrt(aucs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, aucs.length - 1));
      means[impl] = m;
      console.log(
        JSON.stringify({
          model,
          impl,
          variant: 'seeds',
          random_states: randomStates,
          test_auc_mean: round(m, 6),
          test_auc_sd: round(sd, 6),
          test_auc_min: round(Math.min(...aucs), 6),
          test_auc_max: round(Math.max(...aucs), 6),
        }),
      );
    }
    const d = means['ours']! - means['anchor']!;
    const met = Math.abs(d) <= GOAL_AUC_DIFF;
    allMetOverSeeds &&= met;
    console.log(
      JSON.stringify({
        model,
        summary: 'auc_diff_over_seeds',
        seeds: ids.length,
        auc_diff_mean: round(d, 6),
        goal: `|auc_diff_mean| <= ${GOAL_AUC_DIFF}`,
        meets_goal: met,
      }),
    );
  }
  for (const v of meta.variants.filter((x) => x.kind === 'exact_bins_no_sampling')) {
    const po = proba('ours', v.id);
    const pa = proba('anchor', v.id);
    let maxDiff = 0;
    for (let i = 0; i < po.length; i++) maxDiff = Math.max(maxDiff, Math.abs(po[i]! - pa[i]!));
    const ao = rocAucScore(yTest, po);
    const aa = rocAucScore(yTest, pa);
    console.log(
      JSON.stringify({
        model: v.model,
        variant: v.kind,
        columns: v.columns?.length ?? null,
        overrides: v.overrides,
        auc_ours: round(ao, 6),
        auc_anchor: round(aa, 6),
        auc_diff: round(ao - aa, 6),
        max_abs_proba_diff: Number(maxDiff.toPrecision(3)),
      }),
    );
  }
  console.log(
    JSON.stringify({
      summary: 'all',
      models: MODELS.length,
      test_rows: yTest.length,
      meets_goal: allMet,
      meets_goal_over_seeds: meta.variants.some((v) => v.kind === 'seed') ? allMetOverSeeds : null,
    }),
  );
}

main();
