import type { FrozenTrial, StudyDirection } from './storage.js';

/** Decides, after a report, whether the running trial should stop (Optuna BasePruner.prune). */
export interface Pruner {
  /**
   * @param completed the study's COMPLETE trials
   * @param intermediate the running trial's step -> value reports
   */
  prune(
    completed: readonly FrozenTrial[],
    intermediate: ReadonlyMap<number, number>,
    direction: StudyDirection,
  ): boolean;
}

/** Never prunes (Optuna NopPruner). */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}

export interface PercentilePrunerOptions {
  /** Pruning is off until this many trials have completed (default 5). */
  readonly nStartupTrials?: number;
  /** Pruning is off before this step (default 0). */
  readonly nWarmupSteps?: number;
  /** Check every this many steps after the warm-up (default 1). */
  readonly intervalSteps?: number;
  /** Fewer completed trials than this reported at the step: do not prune (default 1). */
  readonly nMinTrials?: number;
}

/**
 * Optuna's PercentilePruner: at the trial's last reported step, prune when the trial's BEST
 * intermediate value so far (nanmax when maximizing) is worse than the `percentile` (top
 * percentile kept) of the completed trials' values at that same step (numpy nanpercentile,
 * linear). A trial whose reports are all NaN is pruned. Off during start-up trials and warm-up
 * steps, and between interval checks.
 */
export class PercentilePruner implements Pruner {
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(
    readonly percentile: number,
    options: PercentilePrunerOptions = {},
  ) {
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    if (!(percentile >= 0 && percentile <= 100))
      throw new RangeError(`percentile must be between 0 and 100 inclusive, got ${percentile}`);
    if (!(this.nStartupTrials >= 0))
      throw new RangeError(`nStartupTrials cannot be negative, got ${this.nStartupTrials}`);
    if (!(this.nWarmupSteps >= 0))
      throw new RangeError(`nWarmupSteps cannot be negative, got ${this.nWarmupSteps}`);
    if (!(this.intervalSteps >= 1))
      throw new RangeError(`intervalSteps must be at least 1, got ${this.intervalSteps}`);
    if (!(this.nMinTrials >= 1))
      throw new RangeError(`nMinTrials must be at least 1, got ${this.nMinTrials}`);
  }

  prune(
    completed: readonly FrozenTrial[],
    intermediate: ReadonlyMap<number, number>,
    direction: StudyDirection,
  ): boolean {
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    if (intermediate.size === 0) return false;
    let step = Number.NEGATIVE_INFINITY;
    for (const s of intermediate.keys()) if (s > step) step = s;
    if (step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, intermediate.keys(), this.nWarmupSteps, this.intervalSteps))
      return false;
    const maximize = direction === 'maximize';
    let best = Number.NaN;
    for (const v of intermediate.values()) {
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
    }
    if (Number.isNaN(best)) return true;
    const values: number[] = [];
    for (const t of completed) {
      const v = t.intermediateValues.get(step);
      if (v !== undefined) values.push(v);
    }
    if (values.length < this.nMinTrials) return false;
    const p = nanPercentile(values, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }
}

/** Optuna's MedianPruner: {@link PercentilePruner} at 50 (defaults 5 start-up trials, 0 warm-up steps, interval 1). */
export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}

function isFirstInIntervalStep(
  step: number,
  steps: Iterable<number>,
  warmup: number,
  interval: number,
): boolean {
  const nearestLower = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLower;
}

/** numpy `nanpercentile(values, q)` with linear interpolation; NaN when every value is NaN. */
export function nanPercentile(values: readonly number[], q: number): number {
  const a = values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
  if (a.length === 0) return Number.NaN;
  const pos = (q / 100) * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, a.length - 1);
  const t = pos - lo;
  const x = a[lo]!;
  const y = a[hi]!;
  const diff = y - x;
  return t >= 0.5 ? y - diff * (1 - t) : x + diff * t;
}
