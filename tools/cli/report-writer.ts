import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionMatrix, precisionRecallCurve, predictAt, rocCurve } from '@mlops/ml';
import {
  renderCalibrationChart,
  renderConfusionMatrixChart,
  renderFeatureImportanceChart,
  renderLossCurveChart,
  renderPrecisionRecallChart,
  renderReportHtml,
  renderRocChart,
  renderTuningHistoryChart,
  type ModelReport,
  type ReportChart,
} from '@mlops/reporting';
import { buildModelReport, type TrainingResult } from '@mlops/training';

/**
 * The best model's report in `dir`: PNG charts (ROC, precision-recall, confusion matrix,
 * calibration, mean |SHAP| importance, loss per round for boosting, tuning history when tuned),
 * `report.json` (libs/reporting's ModelReport) and a self-contained `report.html`.
 */
export async function writeBestModelReport(
  result: TrainingResult,
  dir: string,
  options: {
    modelName: string;
    version: string;
    thresholds: Readonly<Record<string, number>>;
    blocking: readonly string[];
  },
): Promise<ModelReport> {
  const best = result.best;
  const { y, p } = result.predictions.test;
  const t = best.threshold.value;
  const m = best.metrics.test;
  const cm = confusionMatrix(y, predictAt(p, t));
  const roc = rocCurve(y, p);
  const pr = precisionRecallCurve(y, p);
  const label = best.algorithm;
  const sub = `test split, ${y.length.toLocaleString('en-US')} rows · threshold ${t.toFixed(3)} chosen on validation`;
  const charts: ReportChart[] = [];
  const add = async (id: string, title: string, png: Promise<Buffer>, wide = false): Promise<void> => {
    const bytes = await png;
    writeFileSync(join(dir, `${id}.png`), bytes);
    charts.push({ id, title, png: bytes, wide });
  };
  let positives = 0;
  for (const v of y) positives += v;
  await add(
    'roc_curve',
    'ROC curve',
    renderRocChart(
      {
        fpr: roc.fpr,
        tpr: roc.tpr,
        auc: m.rocAuc,
        label,
        operatingPoint: { x: cm.fp / (cm.fp + cm.tn), y: m.recall, threshold: t },
      },
      { subtitle: sub },
    ),
  );
  await add(
    'pr_curve',
    'Precision-recall curve',
    renderPrecisionRecallChart(
      {
        precision: pr.precision,
        recall: pr.recall,
        averagePrecision: m.averagePrecision,
        prevalence: positives / y.length,
        label,
        operatingPoint: { x: m.recall, y: m.precision, threshold: t },
      },
      { subtitle: sub },
    ),
  );
  await add(
    'confusion_matrix',
    'Confusion matrix',
    renderConfusionMatrixChart(
      { matrix: cm.matrix },
      { subtitle: `threshold ${t.toFixed(3)} (${best.threshold.strategy}) · test split` },
    ),
  );
  await add(
    'calibration',
    'Calibration',
    renderCalibrationChart({ yTrue: y, yProb: p, label }, { subtitle: '10 uniform bins · test split' }),
  );
  const fi = result.featureImportance;
  await add(
    'feature_importance',
    'Feature importance',
    renderFeatureImportanceChart(
      { features: fi.values.map((v) => v.feature), importances: fi.values.map((v) => v.value) },
      { subtitle: `mean |SHAP| (${fi.method}) on ${fi.rows} test rows`, width: 640 },
    ),
  );
  if (best.lossCurve)
    await add(
      'loss_curve',
      'Loss per round',
      renderLossCurveChart(
        {
          trainLoss: best.lossCurve.train,
          validLoss: best.lossCurve.validation,
          bestRound: best.lossCurve.bestRound,
        },
        {
          subtitle: `${best.lossCurve.train.length} rounds · training and validation splits`,
          width: 640,
          height: 560,
        },
      ),
    );
  if (best.tuning)
    await add(
      'tuning_history',
      'Tuning history',
      renderTuningHistoryChart(
        { trials: best.tuning.trials, direction: 'maximize' },
        {
          subtitle: `${best.tuning.trials.length} TPE trials (config search space)`,
          width: 1160,
          height: 440,
        },
      ),
      true,
    );
  const report = buildModelReport(result, {
    ...options,
    charts: Object.fromEntries(charts.map((c) => [c.id, `${c.id}.png`])),
  });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, 'report.html'), renderReportHtml(report, charts));
  return report;
}
