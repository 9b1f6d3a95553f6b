import { pngDataUri } from '../charts/png.js';
import { PALETTE } from '../charts/theme.js';
import type { GateResult, ModelReport, SplitMetrics } from './model-report.js';

/** A chart embedded in the page. */
export interface ReportChart {
  readonly id: string;
  readonly title: string;
  readonly png: Uint8Array;
  /** Spans both columns of the grid (e.g. SHAP summary). */
  readonly wide?: boolean;
  readonly caption?: string;
}

/** Escapes the five HTML special characters; safe in text and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const fmt = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
const pct = (x: number, digits = 1): string => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(digits)}%`);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

const METRIC_ROWS: readonly { key: keyof SplitMetrics; label: string; note: string }[] = [
  { key: 'rocAuc', label: 'ROC-AUC', note: 'threshold-free' },
  { key: 'averagePrecision', label: 'Average precision (PR-AUC)', note: 'threshold-free' },
  { key: 'accuracy', label: 'Accuracy', note: 'at threshold' },
  { key: 'precision', label: 'Precision (churn)', note: 'at threshold' },
  { key: 'recall', label: 'Recall (churn)', note: 'at threshold' },
  { key: 'f1', label: 'F1 (churn)', note: 'at threshold' },
  { key: 'logLoss', label: 'Log loss', note: 'lower is better' },
  { key: 'brierScore', label: 'Brier score', note: 'lower is better' },
];

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:${PALETTE.text};font:14px/1.5 -apple-system,'Segoe UI','DejaVu Sans',Roboto,Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
header.top{background:#111827;color:#f9fafb;padding:22px 28px}
header.top .inner{max-width:1184px;margin:0 auto;display:flex;justify-content:space-between;align-items:flex-end;gap:24px;flex-wrap:wrap}
header.top h1{margin:0;font-size:26px;font-weight:700;letter-spacing:-.01em}
header.top .meta{color:#d1d5db;font-size:13px;margin-top:4px}
header.top .meta span+span::before{content:"·";margin:0 8px;color:#6b7280}
.badge{display:inline-block;padding:5px 12px;border-radius:999px;font-weight:700;font-size:13px;letter-spacing:.02em}
.badge.pass{background:#dcfce7;color:#166534}.badge.fail{background:#fee2e2;color:#991b1b}
h2{font-size:18px;margin:32px 0 12px;font-weight:700}
h2 small{font-weight:400;color:${PALETTE.muted};font-size:13px;margin-left:8px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-top:20px}
.kpi{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06);border-top:3px solid ${PALETTE.primary}}
.kpi .label{color:${PALETTE.muted};font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi .value{font-size:26px;font-weight:700;margin-top:2px;font-variant-numeric:tabular-nums}
.kpi .sub{color:${PALETTE.muted};font-size:12px}
.kpi.fail{border-top-color:${PALETTE.bad}}.kpi.pass{border-top-color:${PALETTE.good}}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.06);padding:16px 18px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:7px 10px;text-align:right;border-bottom:1px solid #eef0f3;white-space:nowrap}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:${PALETTE.muted};font-weight:600;background:#fafafa}
th:first-child,td:first-child{text-align:left}
td.l,th.l{text-align:left}
tr.best td{background:#eff6ff;font-weight:600}
table.compact th,table.compact td{padding:5px 8px;font-size:12.5px}
table.compact th{text-transform:none;letter-spacing:0}
.pill{display:inline-block;min-width:46px;text-align:center;padding:1px 8px;border-radius:6px;font-size:12px;font-weight:700}
.pill.pass{background:#dcfce7;color:#166534}.pill.fail{background:#fee2e2;color:#991b1b}.pill.adv{background:#fef3c7;color:#92400e}
.muted{color:${PALETTE.muted}}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.grid figure{margin:0;background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.06);padding:10px}
.grid figure.wide{grid-column:1 / -1}
.grid img{width:100%;height:auto;display:block}
.grid figcaption{color:${PALETTE.muted};font-size:12px;padding:6px 6px 2px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.kv dt{color:${PALETTE.muted}}dl.kv dd{margin:0;font-variant-numeric:tabular-nums}
code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12.5px;background:#f3f4f6;padding:1px 5px;border-radius:4px}
.params{white-space:normal;text-align:left;font-size:12.5px;color:#374151}
footer{color:${PALETTE.muted};font-size:12px;margin-top:36px;text-align:center}
@media (max-width:900px){.grid,.two{grid-template-columns:1fr}}
`;

/**
 * A self-contained HTML page of a {@link ModelReport}: inline CSS, charts as base64 PNG data URIs,
 * no script and no external asset; every value from the report is HTML-escaped.
 * Sections: header (name, version, date, gate verdict), KPI cards, metrics with the config gates,
 * charts grid, cross-validation, tuning history, importances, data, parameters and timings.
 */
export function renderReportHtml(report: ModelReport, charts: readonly ReportChart[]): string {
  const e = escapeHtml;
  const r = report;
  const test = r.metrics.test;
  const val = r.metrics.validation;
  const gateFor = (key: keyof SplitMetrics): GateResult | undefined => r.gates.find((g) => g.metric === key);
  const verdict = r.gatesPassed
    ? '<span class="badge pass">BLOCKING GATES PASSED</span>'
    : '<span class="badge fail">BLOCKING GATES FAILED</span>';

  const kpi = (label: string, value: string, sub: string, key?: keyof SplitMetrics): string => {
    const g = key ? gateFor(key) : undefined;
    const cls = g ? (g.passed ? ' pass' : g.kind === 'blocking' ? ' fail' : '') : '';
    return `<div class="kpi${cls}"><div class="label">${e(label)}</div><div class="value">${e(value)}</div><div class="sub">${e(sub)}</div></div>`;
  };
  const gateSub = (key: keyof SplitMetrics): string => {
    const g = gateFor(key);
    return g ? `gate >= ${fmt(g.minimum, 2)} (${g.kind})` : 'test split';
  };
  const kpis = [
    kpi('Test ROC-AUC', fmt(test.rocAuc), gateSub('rocAuc'), 'rocAuc'),
    kpi('Test recall', fmt(test.recall), gateSub('recall'), 'recall'),
    kpi('Test precision', fmt(test.precision), gateSub('precision'), 'precision'),
    kpi('Test F1', fmt(test.f1), gateSub('f1'), 'f1'),
    kpi('Test accuracy', fmt(test.accuracy), gateSub('accuracy'), 'accuracy'),
    kpi(
      'Threshold',
      fmt(r.threshold.value),
      `${r.threshold.strategy}${r.threshold.target !== null ? ` ${r.threshold.target}` : ''}, on validation`,
    ),
    r.crossValidation
      ? kpi(
          'CV ROC-AUC',
          fmt(r.crossValidation.meanRocAuc),
          `± ${fmt(2 * r.crossValidation.stdRocAuc)} (2 sd), ${r.crossValidation.folds} folds`,
        )
      : '',
  ].join('');

  const metricRows = METRIC_ROWS.map((m) => {
    const g = gateFor(m.key);
    const gateCells = g
      ? `<td>>= ${e(fmt(g.minimum, 2))}</td><td class="l"><code>${e(g.name)}</code></td><td class="l">${e(g.kind)}</td><td>${
          g.passed
            ? '<span class="pill pass">PASS</span>'
            : `<span class="pill ${g.kind === 'blocking' ? 'fail' : 'adv'}">FAIL</span>`
        }</td>`
      : '<td class="muted">—</td><td></td><td></td><td></td>';
    return `<tr><td>${e(m.label)} <span class="muted">(${e(m.note)})</span></td><td>${e(fmt(val[m.key], 4))}</td><td>${e(fmt(test[m.key], 4))}</td>${gateCells}</tr>`;
  }).join('');

  const figures = charts
    .map(
      (c) =>
        `<figure class="${c.wide ? 'wide' : ''}" id="chart-${e(c.id)}"><img alt="${e(c.title)}" src="${pngDataUri(c.png)}">${
          c.caption ? `<figcaption>${e(c.caption)}</figcaption>` : ''
        }</figure>`,
    )
    .join('');

  const cm = r.confusionMatrix;
  const cv = r.crossValidation;
  const cvSection = cv
    ? `<h2>Cross-validation <small>${e(cv.folds)}-fold ${cv.stratified ? 'stratified' : ''}, seed ${e(cv.seed)}, on the ${e(cv.on)}</small></h2>
<div class="card"><p><code>${e(cv.summary)}</code></p><table><thead><tr><th>Fold</th><th>Train rows</th><th>Held-out rows</th><th>ROC-AUC</th><th>Average precision</th><th>Accuracy (0.5)</th><th>F1 (0.5)</th><th>Fit seconds</th></tr></thead><tbody>${cv.perFold
        .map(
          (f) =>
            `<tr><td>${e(f.fold + 1)}</td><td>${e(int(f.trainRows))}</td><td>${e(int(f.testRows))}</td><td>${e(fmt(f.rocAuc, 4))}</td><td>${e(
              fmt(f.averagePrecision, 4),
            )}</td><td>${e(fmt(f.accuracy, 4))}</td><td>${e(fmt(f.f1, 4))}</td><td>${e(fmt(f.fitSeconds, 2))}</td></tr>`,
        )
        .join(
          '',
        )}<tr class="best"><td>Mean ± sd</td><td></td><td></td><td>${e(fmt(cv.meanRocAuc, 4))} ± ${e(fmt(cv.stdRocAuc, 4))}</td><td></td><td></td><td></td><td></td></tr></tbody></table></div>`
    : '<h2>Cross-validation</h2><div class="card muted">Not run.</div>';

  const t = r.tuning;
  let tuningSection = '<h2>Hyperparameter tuning</h2><div class="card muted">Not run.</div>';
  if (t) {
    const names = [...new Set(t.trials.flatMap((x) => Object.keys(x.params)))];
    const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0 };
    for (const x of t.trials) counts[x.state]++;
    tuningSection = `<h2>Hyperparameter tuning <small>${e(t.sampler)}, ${e(t.pruner)}, ${e(t.direction)} ${e(t.metric)}; ${e(
      t.trials.length,
    )} trials (${e(counts.COMPLETE)} complete, ${e(counts.PRUNED)} pruned, ${e(counts.FAIL)} failed) in ${e(fmt(t.seconds, 1))} s</small></h2>
<div class="card">${
      t.best
        ? `<p>Best trial <b>#${e(t.best.number)}</b>: ${e(t.metric)} <b>${e(fmt(t.best.value, 4))}</b>${
            t.best.testRocAuc !== null
              ? `, test ROC-AUC after refit <b>${e(fmt(t.best.testRocAuc, 4))}</b>`
              : ''
          }.</p>`
        : ''
    }<table class="compact"><thead><tr><th>Trial</th><th class="l">State</th><th>Value</th>${names.map((n) => `<th>${e(n)}</th>`).join('')}<th>Seconds</th></tr></thead><tbody>${t.trials
      .map(
        (x) =>
          `<tr class="${t.best && x.number === t.best.number ? 'best' : ''}"><td>${e(x.number)}</td><td class="l">${e(x.state)}</td><td>${e(
            fmt(x.value, 4),
          )}</td>${names.map((n) => `<td>${e(paramText(x.params[n]))}</td>`).join('')}<td>${e(fmt(x.seconds, 2))}</td></tr>`,
      )
      .join('')}</tbody></table></div>`;
  }

  const top = 15;
  const importanceRows = (list: readonly { feature: string; value: number }[], digits: number): string =>
    list
      .slice(0, top)
      .map(
        (v, i) =>
          `<tr><td>${e(i + 1)}</td><td class="l">${e(v.feature)}</td><td>${e(fmt(v.value, digits))}</td></tr>`,
      )
      .join('');
  const importances = `<div class="two"><div class="card"><b>Feature importance (${e(r.featureImportance.type)})</b><table><thead><tr><th>#</th><th class="l">Feature</th><th>${e(
    r.featureImportance.type,
  )}</th></tr></thead><tbody>${importanceRows(r.featureImportance.values, 3)}</tbody></table></div>${
    r.shap
      ? `<div class="card"><b>Mean |SHAP| on the ${e(r.shap.split)} split</b> <span class="muted">(${e(int(r.shap.rows))} rows, base value ${e(
          fmt(r.shap.baseValue, 4),
        )} log-odds)</span><table><thead><tr><th>#</th><th class="l">Feature</th><th>mean |SHAP|</th></tr></thead><tbody>${importanceRows(
          r.shap.meanAbs,
          4,
        )}</tbody></table></div>`
      : '<div class="card muted">SHAP not computed.</div>'
  }</div>`;

  const d = r.data;
  const dataCard = `<div class="card"><b>Data</b><dl class="kv" style="margin-top:8px"><dt>Source</dt><dd><code>${e(d.source)}</code></dd><dt>Rows</dt><dd>${e(
    int(d.rows),
  )} (${e(int(d.positives))} churn, ${e(pct(d.churnRate))})</dd>${(['train', 'validation', 'test'] as const)
    .map(
      (s) =>
        `<dt>${e(s)}</dt><dd>${e(int(d.split[s].rows))} rows, churn ${e(pct(d.split[s].churnRate))}</dd>`,
    )
    .join(
      '',
    )}<dt>Split seed</dt><dd>${e(d.splitSeed)}</dd><dt>Threshold</dt><dd>${e(r.threshold.how)}</dd><dt>Confusion (test)</dt><dd>TN ${e(int(cm.tn))}, FP ${e(
    int(cm.fp),
  )}, FN ${e(int(cm.fn))}, TP ${e(int(cm.tp))}</dd></dl></div>`;
  const paramsCard = `<div class="card"><b>Model parameters</b><dl class="kv" style="margin-top:8px"><dt>Algorithm</dt><dd>${e(r.model.algorithm)}</dd>${
    r.model.trees !== undefined ? `<dt>Trees</dt><dd>${e(r.model.trees)}</dd>` : ''
  }<dt>Model columns</dt><dd>${e(r.model.features)}</dd>${Object.entries(r.model.params)
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(paramText(v))}</dd>`)
    .join(
      '',
    )}</dl><b style="display:block;margin-top:14px">Timings</b><dl class="kv" style="margin-top:8px">${Object.entries(
    r.timings,
  )
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(fmt(v, 2))} s</dd>`)
    .join('')}</dl></div>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(r.model.name)} ${e(r.model.version)} — model report</title>
<style>${CSS}</style></head>
<body>
<header class="top"><div class="inner"><div><h1>${e(r.model.name)} <span style="font-weight:400;color:#9ca3af">${e(r.model.version)}</span></h1>
<div class="meta"><span>${e(r.model.algorithm)}</span><span>${e(displayDate(r.model.createdAt))}</span><span>${e(int(d.rows))} rows</span><span>threshold ${e(
    fmt(r.threshold.value),
  )} (${e(r.threshold.strategy)})</span></div></div><div>${verdict}</div></div></header>
<main>
<section class="kpis">${kpis}</section>
<h2>Metrics <small>validation and test splits at threshold ${e(fmt(r.threshold.value, 4))}; gates (<code>training.thresholds</code>) are checked on the test split</small></h2>
<div class="card"><table><thead><tr><th>Metric</th><th>Validation</th><th>Test</th><th>Gate</th><th class="l">Config key</th><th class="l">Kind</th><th>Result</th></tr></thead><tbody>${metricRows}</tbody></table></div>
<h2>Charts <small>test split unless stated</small></h2>
<section class="grid">${figures}</section>
${cvSection}
${tuningSection}
<h2>Explanations</h2>
${importances}
<h2>Data, parameters and timings</h2>
<div class="two">${dataCard}${paramsCard}</div>
<footer>Generated ${e(r.model.createdAt)} by tools/report · schema version ${e(r.schemaVersion)} · charts drawn with chart.js</footer>
</main></body></html>
`;
}

/** `2026-11-26T18:45:25.180Z` -> `2026-11-26 18:45 UTC` (other strings unchanged). */
function displayDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

function paramText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? String(v)
      : Math.abs(v) < 0.001
        ? v.toExponential(3)
        : trimZeros(v.toPrecision(4));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** `0.1000` -> `0.1`, `2000` stays `2000`, exponents untouched. */
function trimZeros(s: string): string {
  if (!s.includes('.') || s.includes('e')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}
