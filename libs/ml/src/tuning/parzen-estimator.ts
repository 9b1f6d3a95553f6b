import type { Rng } from '../core/random.js';
import { numericStep, roundHalfEven, type Distribution } from './distributions.js';
import { logGaussMass, truncnormLogPdf, truncnormPpf } from './truncnorm.js';

/** Options of the Parzen estimator (Optuna `_ParzenEstimatorParameters`, univariate). */
export interface ParzenEstimatorOptions {
  /** Weight of the prior component before normalization (Optuna default 1.0). */
  readonly priorWeight: number;
  /** Clip bandwidths below at (high - low) / min(100, 1 + nKernels) (Optuna default true). */
  readonly considerMagicClip: boolean;
  /** Let the two outermost observations use their distance to the bounds (Optuna default false). */
  readonly considerEndpoints: boolean;
  /** Observation weights for n observations in trial-number order (default {@link defaultWeights}). */
  readonly weights: (n: number) => Float64Array;
}

/**
 * Optuna's `default_weights(n)`: 1 for every observation when n < 25; otherwise the newest 25 get
 * 1 and the older n - 25 a linear ramp `linspace(1/n, 1, n - 25)`.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const num = n - 25;
  const start = 1 / n;
  const step = num > 1 ? (1 - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) w[i] = i * step + start;
  if (num > 1) w[num - 1] = 1;
  return w;
}

export const DEFAULT_PARZEN_OPTIONS: ParzenEstimatorOptions = {
  priorWeight: 1.0,
  considerMagicClip: true,
  considerEndpoints: false,
  weights: defaultWeights,
};

/**
 * The univariate Parzen estimator of Optuna's TPE (optuna/samplers/_tpe/parzen_estimator.py with
 * multivariate=False): a mixture with one component per observation plus a prior component.
 *
 * Numeric parameters (values transformed: log for log-scaled, bounds widened by step/2 for
 * stepped ones): a truncated normal per observation, mu = the observation, sigma = the larger gap
 * to its sorted neighbours (bounds included; the outermost two use the inner gap unless
 * `considerEndpoints`), clipped to [(high - low) / min(100, 1 + nKernels), high - low]; the prior
 * has mu = (low + high) / 2, sigma = high - low. Stepped parameters get the normal's mass over
 * [x - step/2, x + step/2]. Categorical: each observation's row is prior_weight / nKernels for every
 * choice plus 1 at the observed choice, rows normalized; the prior row is uniform.
 *
 * Mixture weights: `weights(n)` for the observations and `priorWeight`, normalized.
 */
export class ParzenEstimator {
  /** Normalized mixture weights, observations in the given order, the prior last. */
  readonly weights: Float64Array;
  /** Component means in the transformed space (numeric parameters). */
  readonly mus: Float64Array;
  /** Component standard deviations in the transformed space (numeric parameters). */
  readonly sigmas: Float64Array;
  /** Row-major nComponents x nChoices choice probabilities (categorical parameters). */
  readonly choiceWeights: Float64Array;
  private readonly logWeights: Float64Array;

  /**
   * @param observations internal values (categorical: choice indices) in trial-number order
   * @param dist the parameter's distribution (validated)
   */
  constructor(
    observations: ArrayLike<number>,
    readonly dist: Distribution,
    options: ParzenEstimatorOptions = DEFAULT_PARZEN_OPTIONS,
  ) {
    if (!(options.priorWeight >= 0))
      throw new RangeError(`priorWeight must be non-negative, got ${options.priorWeight}`);
    const n = observations.length;
    let weights: Float64Array;
    if (n === 0) {
      weights = Float64Array.of(1);
    } else {
      const w = options.weights(n);
      if (w.length < n)
        throw new RangeError(`the weights function returned ${w.length} weights for ${n} observations`);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (!(w[i]! >= 0) || !Number.isFinite(w[i]!))
          throw new RangeError(
            `the weights function must return finite non-negative values, got ${w[i]} for n=${n}`,
          );
        sum += w[i]!;
      }
      if (!(sum > 0)) throw new RangeError(`the weights function returned all-zero weights for n=${n}`);
      weights = new Float64Array(n + 1);
      weights.set(w.subarray(0, n));
      weights[n] = options.priorWeight;
    }
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    for (let i = 0; i < weights.length; i++) weights[i] = weights[i]! / total;
    this.weights = weights;
    this.logWeights = weights.map(Math.log);

    if (dist.type === 'categorical') {
      this.mus = new Float64Array(0);
      this.sigmas = new Float64Array(0);
      const k = dist.choices.length;
      if (n === 0) {
        this.choiceWeights = new Float64Array(k).fill(1 / k);
        return;
      }
      const nKernels = n + 1;
      const cw = new Float64Array(nKernels * k).fill(options.priorWeight / nKernels);
      for (let i = 0; i < n; i++) cw[i * k + Math.trunc(observations[i]!)]! += 1;
      for (let r = 0; r < nKernels; r++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += cw[r * k + c]!;
        if (s !== 0) for (let c = 0; c < k; c++) cw[r * k + c] = cw[r * k + c]! / s;
      }
      this.choiceWeights = cw;
      return;
    }

    this.choiceWeights = new Float64Array(0);
    const { low, high } = transformedBounds(dist);
    const mus = new Float64Array(n + 1);
    const sigmas = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) mus[i] = dist.log ? Math.log(observations[i]!) : observations[i]!;
    if (n > 0) {
      // sort (stable; numpy's argsort only differs for tied values)
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => mus[a]! - mus[b]! || a - b);
      const ext = new Float64Array(n + 2);
      ext[0] = low;
      for (let j = 0; j < n; j++) ext[j + 1] = mus[order[j]!]!;
      ext[n + 1] = high;
      const sorted = new Float64Array(n);
      for (let j = 0; j < n; j++) sorted[j] = Math.max(ext[j + 1]! - ext[j]!, ext[j + 2]! - ext[j + 1]!);
      if (!options.considerEndpoints && ext.length >= 4) {
        sorted[0] = ext[2]! - ext[1]!;
        sorted[n - 1] = ext[n]! - ext[n - 1]!;
      }
      const maxSigma = high - low;
      const minSigma = options.considerMagicClip ? (high - low) / Math.min(100, 1 + (n + 1)) : 1e-12;
      for (let j = 0; j < n; j++) sigmas[order[j]!] = Math.min(Math.max(sorted[j]!, minSigma), maxSigma);
    }
    mus[n] = 0.5 * (low + high);
    sigmas[n] = high - low;
    this.mus = mus;
    this.sigmas = sigmas;
  }

  /**
   * An estimator from given components (e.g. recorded from Optuna, or persisted): normalized
   * `weights`, and `mus`/`sigmas` (numeric, transformed space) or row-major `choiceWeights`
   * (categorical), prior last.
   */
  static fromComponents(
    dist: Distribution,
    components: {
      weights: ArrayLike<number>;
      mus?: ArrayLike<number>;
      sigmas?: ArrayLike<number>;
      choiceWeights?: ArrayLike<number>;
    },
  ): ParzenEstimator {
    const m = components.weights.length;
    const pe = new ParzenEstimator([], dist);
    const numeric = dist.type !== 'categorical';
    if (numeric && (components.mus?.length !== m || components.sigmas?.length !== m))
      throw new RangeError(`mus and sigmas need ${m} values, one per weight`);
    if (!numeric && components.choiceWeights?.length !== m * dist.choices.length)
      throw new RangeError(`choiceWeights needs ${m} x ${dist.choices.length} values`);
    return Object.assign(Object.create(ParzenEstimator.prototype) as ParzenEstimator, pe, {
      weights: Float64Array.from(components.weights),
      logWeights: Float64Array.from(components.weights, Math.log),
      mus: numeric ? Float64Array.from(components.mus!) : new Float64Array(0),
      sigmas: numeric ? Float64Array.from(components.sigmas!) : new Float64Array(0),
      choiceWeights: numeric ? new Float64Array(0) : Float64Array.from(components.choiceWeights!),
    });
  }

  /** Number of mixture components (observations + prior). */
  get nComponents(): number {
    return this.weights.length;
  }

  /**
   * log of the mixture density at each internal value (for stepped parameters: log probability
   * mass of the grid point; log-scaled parameters: density in log space, as Optuna).
   */
  logPdf(xs: ArrayLike<number>): Float64Array {
    const out = new Float64Array(xs.length);
    const m = this.weights.length;
    const terms = new Float64Array(m);
    const d = this.dist;
    let lowC = 0;
    let highC = 0;
    let step: number | undefined;
    let logNorm: Float64Array | null = null;
    if (d.type !== 'categorical') {
      step = numericStep(d);
      lowC = d.log ? Math.log(d.low) : d.low;
      highC = d.log ? Math.log(d.high) : d.high;
      if (step !== undefined) {
        const lo = d.log ? Math.log(d.low - step / 2) : d.low - step / 2;
        const hi = d.log ? Math.log(d.high + step / 2) : d.high + step / 2;
        logNorm = new Float64Array(m);
        for (let k = 0; k < m; k++)
          logNorm[k] = logGaussMass(
            (lo - this.mus[k]!) / this.sigmas[k]!,
            (hi - this.mus[k]!) / this.sigmas[k]!,
          );
      }
    }
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      if (d.type === 'categorical') {
        const k = d.choices.length;
        const c = Math.trunc(x);
        for (let r = 0; r < m; r++) terms[r] = Math.log(this.choiceWeights[r * k + c]!) + this.logWeights[r]!;
      } else if (step !== undefined && logNorm) {
        const lo = d.log ? Math.log(x - step / 2) : x - step / 2;
        const hi = d.log ? Math.log(x + step / 2) : x + step / 2;
        for (let r = 0; r < m; r++) {
          const mu = this.mus[r]!;
          const s = this.sigmas[r]!;
          terms[r] = logGaussMass((lo - mu) / s, (hi - mu) / s) - logNorm[r]! + this.logWeights[r]!;
        }
      } else {
        const xt = d.log ? Math.log(x) : x;
        for (let r = 0; r < m; r++) {
          const mu = this.mus[r]!;
          const s = this.sigmas[r]!;
          terms[r] = truncnormLogPdf(xt, (lowC - mu) / s, (highC - mu) / s, mu, s) + this.logWeights[r]!;
        }
      }
      out[i] = logSumExp(terms);
    }
    return out;
  }

  /**
   * Draws `size` internal values from the mixture: a component by its weight (numpy
   * `choice(p=weights)`), then a truncated normal by inverse cdf (numeric; rounded onto the step
   * grid and clipped for stepped parameters) or a choice by the component's row (categorical).
   */
  sample(rng: Rng, size: number): Float64Array {
    const out = new Float64Array(size);
    const m = this.weights.length;
    const cdf = new Float64Array(m);
    let acc = 0;
    for (let k = 0; k < m; k++) cdf[k] = acc += this.weights[k]!;
    for (let k = 0; k < m; k++) cdf[k] = cdf[k]! / acc;
    const active = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const u = rng.nextFloat();
      let k = 0;
      while (k < m - 1 && cdf[k]! <= u) k++;
      active[i] = k;
    }
    const d = this.dist;
    if (d.type === 'categorical') {
      const nc = d.choices.length;
      for (let i = 0; i < size; i++) {
        const u = rng.nextFloat();
        const row = active[i]! * nc;
        let c = 0;
        let cum = 0;
        for (let j = 0; j < nc; j++) {
          cum = j === nc - 1 ? 1 : cum + this.choiceWeights[row + j]!;
          if (cum < u) c++;
        }
        out[i] = c;
      }
      return out;
    }
    const { low, high } = transformedBounds(d);
    const step = numericStep(d);
    for (let i = 0; i < size; i++) {
      const k = active[i]!;
      const mu = this.mus[k]!;
      const s = this.sigmas[k]!;
      const q = rng.nextFloat();
      let v = truncnormPpf(q, (low - mu) / s, (high - mu) / s) * s + mu;
      if (d.log) v = Math.exp(v);
      if (step !== undefined)
        v = Math.min(Math.max(d.low + roundHalfEven((v - d.low) / step) * step, d.low), d.high);
      out[i] = v;
    }
    return out;
  }
}

/** Bounds in the estimator's space: widened by step/2 when stepped, then log when log-scaled. */
function transformedBounds(d: Exclude<Distribution, { type: 'categorical' }>): { low: number; high: number } {
  const step = numericStep(d);
  let low = d.low;
  let high = d.high;
  if (step !== undefined) {
    low -= step / 2;
    high += step / 2;
  }
  if (d.log) {
    low = Math.log(low);
    high = Math.log(high);
  }
  return { low, high };
}

function logSumExp(terms: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < terms.length; k++) if (terms[k]! > max) max = terms[k]!;
  if (max === Number.NEGATIVE_INFINITY) max = 0;
  let s = 0;
  for (let k = 0; k < terms.length; k++) s += Math.exp(terms[k]! - max);
  return Math.log(s) + max;
}
