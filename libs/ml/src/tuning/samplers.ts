import type { Rng } from '../core/random.js';
import { numericStep, roundHalfEven, toInternal, type Distribution } from './distributions.js';
import { DEFAULT_PARZEN_OPTIONS, ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator.js';
import type { FrozenTrial, StudyDirection } from './storage.js';

/** What a sampler sees when a trial asks for a parameter. */
export interface SamplingContext {
  /** Every trial of the study (any state), in number order, as last read from storage. */
  readonly trials: readonly FrozenTrial[];
  readonly direction: StudyDirection;
  /** Number of the trial being sampled. */
  readonly trialNumber: number;
  /** The trial's own random stream (seeded from the sampler seed and the trial number). */
  readonly rng: Rng;
}

/** Suggests the internal value of one parameter (define-by-run, Optuna's `sample_independent`). */
export interface Sampler {
  /** Seed of the per-trial random streams; undefined = a random seed per study. */
  readonly seed: number | undefined;
  sampleIndependent(ctx: SamplingContext, name: string, dist: Distribution): number;
}

/**
 * Uniform sampling like Optuna's RandomSampler: floats uniform on [low, high] (log-uniform when
 * log-scaled); int and stepped parameters uniform on [low - step/2, high + step/2] (in log space
 * when log-scaled), then rounded onto the grid and clipped; categorical uniform over the choices.
 */
export class RandomSampler implements Sampler {
  readonly seed: number | undefined;

  constructor(seed?: number) {
    this.seed = seed;
  }

  sampleIndependent(ctx: SamplingContext, _name: string, dist: Distribution): number {
    return sampleUniform(ctx.rng, dist);
  }
}

export function sampleUniform(rng: Rng, dist: Distribution): number {
  if (dist.type === 'categorical') return rng.nextInt(dist.choices.length);
  const step = numericStep(dist);
  let low = dist.low;
  let high = dist.high;
  if (step !== undefined) {
    low -= step / 2;
    high += step / 2;
  }
  if (dist.log) {
    low = Math.log(low);
    high = Math.log(high);
  }
  let v = low + rng.nextFloat() * (high - low);
  if (dist.log) v = Math.exp(v);
  if (step !== undefined) v = roundHalfEven((v - dist.low) / step) * step + dist.low;
  return Math.min(Math.max(v, dist.low), dist.high);
}

/** Optuna's `default_gamma(n)` = min(ceil(0.1 n), 25): how many trials form the "good" set. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

export interface TpeSamplerOptions {
  /** Random (uniform) trials before TPE starts (Optuna default 10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion (Optuna default 24). */
  readonly nEiCandidates?: number;
  readonly gamma?: (n: number) => number;
  readonly parzen?: Partial<ParzenEstimatorOptions>;
  readonly seed?: number;
}

/**
 * Optuna's TPESampler with its 4.x defaults, univariate (multivariate=False): per parameter, the
 * finished (COMPLETE and PRUNED) trials are split into the best `gamma(n)` ("below", l(x)) and the
 * rest ("above", g(x)) by {@link splitTrials}; a {@link ParzenEstimator} is fitted on each; 24
 * candidates are drawn from l(x); the one maximizing log l(x) - log g(x) is returned. The first
 * `nStartupTrials` finished trials are sampled uniformly ({@link RandomSampler}). FAIL and RUNNING
 * trials are ignored (Optuna without constant_liar).
 *
 * Reproducibility: every trial draws from its own stream seeded by (seed, trial number), so a
 * study with one worker is reproducible for a seed; with several workers the start-up trials
 * still are, but later suggestions depend on which trials had finished (as Optuna with n_jobs > 1).
 */
export class TpeSampler implements Sampler {
  readonly seed: number | undefined;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly gamma: (n: number) => number;
  readonly parzen: ParzenEstimatorOptions;

  constructor(options: TpeSamplerOptions = {}) {
    this.seed = options.seed;
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.gamma = options.gamma ?? defaultGamma;
    this.parzen = { ...DEFAULT_PARZEN_OPTIONS, ...options.parzen };
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0)
      throw new RangeError(`nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1)
      throw new RangeError(`nEiCandidates must be a positive integer, got ${this.nEiCandidates}`);
  }

  sampleIndependent(ctx: SamplingContext, name: string, dist: Distribution): number {
    const finished = ctx.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');
    if (finished.length < this.nStartupTrials) return sampleUniform(ctx.rng, dist);
    const { below, above } = this.estimators(finished, ctx.direction, name, dist);
    const candidates = below.sample(ctx.rng, this.nEiCandidates);
    return candidates[bestCandidate(candidates, below, above)]!;
  }

  /** The l(x) and g(x) estimators of parameter `name` from the finished trials. */
  estimators(
    finished: readonly FrozenTrial[],
    direction: StudyDirection,
    name: string,
    dist: Distribution,
  ): { below: ParzenEstimator; above: ParzenEstimator } {
    const split = splitTrials(finished, this.gamma(finished.length), direction);
    return {
      below: new ParzenEstimator(observations(split.below, name, dist), dist, this.parzen),
      above: new ParzenEstimator(observations(split.above, name, dist), dist, this.parzen),
    };
  }
}

/** Index of the candidate maximizing log l(x) - log g(x) (first one on ties, as numpy argmax). */
export function bestCandidate(
  candidates: Float64Array,
  below: ParzenEstimator,
  above: ParzenEstimator,
): number {
  const lb = below.logPdf(candidates);
  const la = above.logPdf(candidates);
  let best = 0;
  let bestVal = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < candidates.length; i++) {
    const v = lb[i]! - la[i]!;
    if (Number.isNaN(v)) return i;
    if (v > bestVal) {
      bestVal = v;
      best = i;
    }
  }
  return best;
}

function observations(trials: readonly FrozenTrial[], name: string, dist: Distribution): Float64Array {
  const out: number[] = [];
  for (const t of trials) {
    const v = t.params[name];
    if (v !== undefined) out.push(toInternal(name, dist, v));
  }
  return Float64Array.from(out);
}

/**
 * Optuna's `_split_trials` (single objective, no constraints): the best `nBelow` COMPLETE trials
 * by value (stable order on ties) go below; if fewer than `nBelow` are complete, PRUNED trials
 * fill up, ranked by their last reported step (later first) then its value; both lists are
 * returned in trial-number order.
 */
export function splitTrials(
  trials: readonly FrozenTrial[],
  nBelow: number,
  direction: StudyDirection,
): { below: FrozenTrial[]; above: FrozenTrial[] } {
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  const pruned = trials.filter((t) => t.state === 'PRUNED');
  const sign = direction === 'maximize' ? -1 : 1;
  const sortedComplete = complete.slice().sort((a, b) => sign * (a.value! - b.value!));
  const nC = Math.min(nBelow, sortedComplete.length);
  const below = sortedComplete.slice(0, nC);
  const above = sortedComplete.slice(nC);
  const rest = Math.max(0, nBelow - nC);
  const keyed = pruned.map((t) => ({ t, key: prunedScore(t, direction) }));
  keyed.sort((a, b) => a.key[0] - b.key[0] || compareNumbers(a.key[1], b.key[1]));
  const nP = Math.min(rest, keyed.length);
  for (let i = 0; i < keyed.length; i++) (i < nP ? below : above).push(keyed[i]!.t);
  below.sort((a, b) => a.number - b.number);
  above.sort((a, b) => a.number - b.number);
  return { below, above };
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Optuna `_get_pruned_trial_score`: (-last step, signed last value); no reports = (1, 0). */
function prunedScore(t: FrozenTrial, direction: StudyDirection): [number, number] {
  if (t.intermediateValues.size === 0) return [1, 0];
  let step = Number.NEGATIVE_INFINITY;
  for (const s of t.intermediateValues.keys()) if (s > step) step = s;
  const v = t.intermediateValues.get(step)!;
  if (Number.isNaN(v)) return [-step, Number.POSITIVE_INFINITY];
  return [-step, direction === 'minimize' ? v : -v];
}
