import type { BinnedShares } from './binning.js';

function sum(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

/** x * log(x / y) with scipy.special.rel_entr's conventions (0 at x = 0, +Infinity at y = 0). */
function relEntr(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * Population Stability Index over binned shares (Evidently `psi`, empty bins filled):
 * sum_i (r_i - c_i) * ln(r_i / c_i).
 */
export function psi(shares: BinnedShares): number {
  const { reference: r, current: c } = shares;
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - c[i]) * Math.log(r[i] / c[i]);
  return s;
}

/**
 * Kullback-Leibler divergence KL(reference || current) in nats, `scipy.stats.entropy(r, c)`:
 * both share vectors normalised to sum 1 first (Evidently `kl_div`, empty bins filled).
 */
export function klDivergence(shares: BinnedShares): number {
  const { reference: r, current: c } = shares;
  const sr = sum(r);
  const sc = sum(c);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += relEntr(r[i] / sr, c[i] / sc);
  return s;
}

/**
 * Jensen-Shannon distance, `scipy.spatial.distance.jensenshannon(r, c)` (natural log, as
 * Evidently calls it): sqrt((KL(p || m) + KL(q || m)) / 2), m = (p + q) / 2, p and q
 * normalised to sum 1. Evidently does not fill empty bins for this one.
 */
export function jensenShannonDistance(shares: BinnedShares): number {
  const { reference: r, current: c } = shares;
  const sr = sum(r);
  const sc = sum(c);
  let left = 0;
  let right = 0;
  for (let i = 0; i < r.length; i++) {
    const p = r[i] / sr;
    const q = c[i] / sc;
    const m = (p + q) / 2;
    left += relEntr(p, m);
    right += relEntr(q, m);
  }
  return Math.sqrt((left + right) / 2);
}
