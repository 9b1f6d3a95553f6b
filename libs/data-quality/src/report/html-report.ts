import type { ColumnProfile } from '../profile/profile.js';
import type { DataQualityReport } from './json-report.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const e = (v: unknown): string =>
  escapeHtml(v === undefined ? '' : typeof v === 'number' ? fmt(v) : typeof v === 'string' ? v : JSON.stringify(v) ?? '');

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toFixed(4).replace(/0+$/, '').replace(/\.$/, '') : x.toExponential(4);
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d7dbe3;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f2f4f8}
.ok{color:#17663a;font-weight:600}.fail{color:#b3261e;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.hist{display:flex;align-items:flex-end;gap:1px;height:40px;width:160px}.hist span{flex:1;background:#5b7bd5;min-height:1px}
code{font-size:12px;word-break:break-all}.summary span{margin-right:1.5rem}`;

function histogramHtml(p: ColumnProfile): string {
  if (!p.histogram || p.histogram.counts.length === 0) return '';
  const max = Math.max(...p.histogram.counts, 1);
  const bars = p.histogram.counts
    .map((c, i) => {
      const title = `[${fmt(p.histogram!.edges[i])}, ${fmt(p.histogram!.edges[i + 1])}): ${c}`;
      return `<span style="height:${((c / max) * 100).toFixed(1)}%" title="${escapeHtml(title)}"></span>`;
    })
    .join('');
  return `<div class="hist">${bars}</div>`;
}

/**
 * A self-contained HTML page (inline CSS, no scripts, no external assets) for a report. Every
 * value taken from the data or the suite is HTML-escaped.
 */
export function toHtmlReport(report: DataQualityReport): string {
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`);
  parts.push(`<title>${e(report.title)}</title><style>${CSS}</style></head><body><h1>${e(report.title)}</h1>`);
  const v = report.validation;
  if (v) {
    const st = v.statistics;
    parts.push(`<h2>Validation: ${e(v.suite_name)} <span class="${v.success ? 'ok' : 'fail'}">${v.success ? 'PASSED' : 'FAILED'}</span></h2>`);
    parts.push(
      `<p class="summary"><span>evaluated ${e(st.evaluated)}</span><span>successful ${e(st.successful)}</span><span>unsuccessful ${e(st.unsuccessful)}</span><span>success ${e(st.success_percent)} %</span><span>at ${e(v.evaluated_at)}</span></p>`,
    );
    parts.push('<table><thead><tr><th>status</th><th>expectation</th><th>kwargs</th><th class="num">unexpected</th><th class="num">unexpected %</th><th>observed</th><th>sample of unexpected values</th></tr></thead><tbody>');
    for (const r of v.results) {
      const res = r.result;
      parts.push(
        `<tr><td class="${r.success ? 'ok' : 'fail'}">${r.success ? 'pass' : 'fail'}</td><td><code>${e(r.expectation_type)}</code></td><td><code>${e(r.kwargs)}</code></td>` +
          `<td class="num">${e(res.unexpected_count)}</td><td class="num">${e(res.unexpected_percent ?? undefined)}</td>` +
          `<td>${e(res.observed_value)}${r.exception_info ? ` <span class="fail">${e(r.exception_info.exception_message)}</span>` : ''}</td>` +
          `<td><code>${e((res.partial_unexpected_list ?? []).slice(0, 10))}</code></td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  const p = report.profile;
  if (p) {
    parts.push(`<h2>Profile (${e(p.rows)} rows, ${e(p.columns.length)} columns)</h2>`);
    parts.push('<table><thead><tr><th>column</th><th>type</th><th class="num">missing</th><th class="num">distinct</th><th class="num">min</th><th class="num">mean</th><th class="num">std</th><th class="num">p05 / p50 / p95</th><th class="num">max</th><th>top values</th><th>histogram</th></tr></thead><tbody>');
    for (const c of p.columns) {
      const q = c.quantiles;
      parts.push(
        `<tr><td>${e(c.name)}</td><td>${e(c.type)}</td><td class="num">${e(c.missing)}</td><td class="num">${e(c.distinct)}</td>` +
          `<td class="num">${e(c.min)}</td><td class="num">${e(c.mean)}</td><td class="num">${e(c.std)}</td>` +
          `<td class="num">${q ? `${e(q.p05)} / ${e(q.p50)} / ${e(q.p95)}` : ''}</td><td class="num">${e(c.max)}</td>` +
          `<td>${c.top.slice(0, 5).map((t) => `${e(t.value)} (${e(t.count)})`).join('<br>')}</td><td>${histogramHtml(c)}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  parts.push('</body></html>');
  return parts.join('\n');
}
