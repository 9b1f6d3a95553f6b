import { escapeHtml, renderReportHtml } from './html.js';
import { evaluateGates, type ModelReport, type SplitMetrics } from './model-report.js';

const metrics = (over: Partial<SplitMetrics> = {}): SplitMetrics => ({
  rows: 1409,
  positives: 374,
  rocAuc: 0.85,
  averagePrecision: 0.69,
  logLoss: 0.41,
  brierScore: 0.13,
  threshold: 0.34,
  accuracy: 0.79,
  precision: 0.59,
  recall: 0.72,
  f1: 0.65,
  ...over,
});

const thresholds = {
  min_accuracy: 0.75,
  min_precision: 0.7,
  min_recall: 0.65,
  min_f1_score: 0.7,
  min_auc_roc: 0.75,
};
const blocking = ['min_accuracy', 'min_recall', 'min_auc_roc'];

function report(over: Partial<ModelReport> = {}): ModelReport {
  const gates = evaluateGates(metrics(), thresholds, blocking);
  return {
    schemaVersion: 1,
    model: {
      name: 'churn-predictor',
      version: 'git-abc123',
      algorithm: 'gbdt',
      createdAt: '2026-11-26T18:00:00.000Z',
      params: { maxDepth: 6, learningRate: 0.1 },
      trees: 100,
      features: 52,
    },
    data: {
      source: 'data/raw/customer_data.csv',
      rows: 7043,
      positives: 1869,
      churnRate: 0.265,
      split: {
        train: { rows: 4225, churnRate: 0.265 },
        validation: { rows: 1409, churnRate: 0.265 },
        test: { rows: 1409, churnRate: 0.265 },
      },
      splitSeed: 42,
    },
    threshold: {
      strategy: 'target_recall',
      target: 0.65,
      value: 0.34,
      chosenOn: 'validation',
      how: 'highest threshold with recall >= 0.65',
    },
    metrics: { validation: metrics({ rocAuc: 0.82 }), test: metrics() },
    confusionMatrix: { split: 'test', threshold: 0.34, tn: 851, fp: 184, fn: 105, tp: 269 },
    gates,
    gatesPassed: gates.every((g) => g.passed || g.kind !== 'blocking'),
    crossValidation: {
      folds: 2,
      stratified: true,
      seed: 42,
      on: 'training split',
      perFold: [
        { fold: 0, trainRows: 10, testRows: 10, rocAuc: 0.8, fitSeconds: 0.1 },
        { fold: 1, trainRows: 10, testRows: 10, rocAuc: 0.84, fitSeconds: 0.1 },
      ],
      meanRocAuc: 0.82,
      stdRocAuc: 0.02,
      summary: 'CV AUC: 0.820 (+/- 0.040)',
    },
    tuning: {
      sampler: 'TPE',
      pruner: 'median',
      direction: 'maximize',
      metric: 'validation ROC-AUC',
      trials: [
        {
          number: 0,
          state: 'COMPLETE',
          value: 0.84,
          params: { max_depth: 5, learning_rate: 0.0123 },
          seconds: 1,
        },
        {
          number: 1,
          state: 'PRUNED',
          value: 0.8,
          params: { max_depth: 9, learning_rate: 0.2 },
          seconds: 0.1,
        },
      ],
      best: { number: 0, value: 0.84, params: { max_depth: 5, learning_rate: 0.0123 }, testRocAuc: 0.86 },
      seconds: 1.1,
    },
    featureImportance: { type: 'gain', values: [{ feature: 'contract_Month-to-month', value: 73.2 }] },
    shap: {
      split: 'test',
      rows: 1409,
      baseValue: -1.05,
      meanAbs: [{ feature: 'contract_Month-to-month', value: 0.6 }],
    },
    lossCurve: { train: [0.5, 0.4], validation: [0.52, 0.45], bestRound: 1 },
    timings: { fit: 1.2 },
    charts: { roc_curve: 'roc_curve.png' },
    ...over,
  };
}

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('evaluateGates', () => {
  it('passes value >= minimum, marks blocking and advisory gates from the config lists', () => {
    const gates = evaluateGates(metrics(), thresholds, blocking);
    const by = Object.fromEntries(gates.map((g) => [g.name, g]));
    expect(by['min_recall']).toMatchObject({
      metric: 'recall',
      minimum: 0.65,
      value: 0.72,
      passed: true,
      kind: 'blocking',
    });
    expect(by['min_precision']).toMatchObject({ metric: 'precision', passed: false, kind: 'advisory' });
    expect(evaluateGates(metrics({ recall: 0.65 }), { min_recall: 0.65 }, blocking)[0]!.passed).toBe(true);
    expect(evaluateGates(metrics({ recall: NaN }), { min_recall: 0.65 }, blocking)[0]!.passed).toBe(false);
  });

  it('names an unknown threshold and the known ones', () => {
    expect(() => evaluateGates(metrics(), { min_lift: 2 }, [])).toThrow(
      'threshold min_lift has no metric: use one of min_accuracy',
    );
  });
});

describe('renderReportHtml', () => {
  it('escapes every report value', () => {
    const html = renderReportHtml(
      report({
        model: { ...report().model, name: '<script>alert("x")</script>', params: { note: "a'b&c" } },
      }),
      [{ id: 'roc_curve', title: 'ROC <curve>', png }],
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('a&#39;b&amp;c');
    expect(html).toContain('alt="ROC &lt;curve&gt;"');
  });

  it('is self-contained: charts as data URIs, inline CSS, no external asset or script', () => {
    const html = renderReportHtml(report(), [{ id: 'roc_curve', title: 'ROC', png }]);
    expect(html).toContain(`src="data:image/png;base64,${png.toString('base64')}"`);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<(script|link)\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('shows the verdict, gates, CV summary and the tuning trials', () => {
    const html = renderReportHtml(report(), []);
    expect(html).toContain('BLOCKING GATES PASSED');
    expect(html).toContain('<code>min_precision</code>');
    expect(html).toContain('CV AUC: 0.820 (+/- 0.040)');
    expect(html).toContain('PRUNED');
    expect(html).toContain('2026-11-26 18:00 UTC');
    const failed = evaluateGates(metrics({ recall: 0.5 }), thresholds, blocking);
    expect(renderReportHtml(report({ gates: failed, gatesPassed: false }), [])).toContain(
      'BLOCKING GATES FAILED',
    );
    expect(renderReportHtml(report({ crossValidation: null, tuning: null }), [])).toContain('Not run.');
  });

  it('escapeHtml escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
