/**
 * Search-space distributions with Optuna's semantics (optuna/distributions.py):
 * - `float`: [low, high], optionally log-scaled (low > 0) or on a grid of `step`;
 * - `int`: [low, high] inclusive, step (default 1), optionally log-scaled (step must be 1);
 * - `categorical`: a list of choices; the internal representation is the choice index.
 * Samplers work on the internal representation (a number); trials show the external value.
 */

export type ParamValue = number | string | boolean;

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** A search space: parameter name -> distribution, in suggestion order. */
export type SearchSpace = Readonly<Record<string, Distribution>>;

/** The error of a bad search space or parameter value; names the parameter and what to fix. */
export class TuningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TuningError';
  }
}

/**
 * Validates a distribution (Optuna's checks) and returns it with defaults made explicit
 * (`int` step 1).
 * @throws TuningError naming `name` when low > high, log with low <= 0, log with step, or no choices.
 */
export function checkDistribution(name: string, d: Distribution): Distribution {
  if (d.type === 'categorical') {
    if (!Array.isArray(d.choices) || d.choices.length === 0) {
      throw new TuningError(`parameter ${name}: categorical choices must be a non-empty list`);
    }
    return d;
  }
  if (d.type !== 'float' && d.type !== 'int') {
    throw new TuningError(
      `parameter ${name}: type must be 'float', 'int' or 'categorical', got ${String((d as { type: unknown }).type)}`,
    );
  }
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high)) {
    throw new TuningError(
      `parameter ${name}: low and high must be finite numbers, got [${d.low}, ${d.high}]`,
    );
  }
  if (d.low > d.high) throw new TuningError(`parameter ${name}: low (${d.low}) must be <= high (${d.high})`);
  if (d.log && d.low <= 0)
    throw new TuningError(`parameter ${name}: a log-scaled range needs low > 0, got ${d.low}`);
  if (d.type === 'int') {
    if (!Number.isInteger(d.low) || !Number.isInteger(d.high)) {
      throw new TuningError(`parameter ${name}: int bounds must be integers, got [${d.low}, ${d.high}]`);
    }
    const step = d.step ?? 1;
    if (!Number.isInteger(step) || step < 1)
      throw new TuningError(`parameter ${name}: int step must be a positive integer, got ${step}`);
    if (d.log && step !== 1)
      throw new TuningError(`parameter ${name}: log-scaled int parameters need step 1, got ${step}`);
    const high = d.high - ((d.high - d.low) % step); // Optuna adjusts high down onto the grid
    return { type: 'int', low: d.low, high, step, ...(d.log ? { log: true } : {}) };
  }
  if (d.step !== undefined) {
    if (!(d.step > 0)) throw new TuningError(`parameter ${name}: float step must be > 0, got ${d.step}`);
    if (d.log)
      throw new TuningError(`parameter ${name}: a float parameter cannot be both log-scaled and stepped`);
    const k = Math.floor((d.high - d.low) / d.step + 1e-12);
    return { type: 'float', low: d.low, high: d.low + k * d.step, step: d.step };
  }
  return { type: 'float', low: d.low, high: d.high, ...(d.log ? { log: true } : {}) };
}

/** The step of a numeric distribution for the Parzen estimator (int: its step; float: step or none). */
export function numericStep(d: FloatDistribution | IntDistribution): number | undefined {
  return d.type === 'int' ? (d.step ?? 1) : d.step;
}

/** External value -> internal number (categorical: index of the choice). */
export function toInternal(name: string, d: Distribution, value: ParamValue): number {
  if (d.type === 'categorical') {
    const i = d.choices.indexOf(value);
    if (i < 0)
      throw new TuningError(
        `parameter ${name}: ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}`,
      );
    return i;
  }
  if (typeof value !== 'number')
    throw new TuningError(`parameter ${name}: expected a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Internal number -> external value (int: an integer; categorical: the choice). */
export function toExternal(d: Distribution, internal: number): ParamValue {
  if (d.type === 'categorical') return d.choices[Math.trunc(internal)]!;
  if (d.type === 'int') return Math.trunc(internal);
  return internal;
}

/** Whether `internal` lies in the distribution (Optuna `_contains`). */
export function contains(d: Distribution, internal: number): boolean {
  if (d.type === 'categorical')
    return Number.isInteger(internal) && internal >= 0 && internal < d.choices.length;
  if (!(internal >= d.low && internal <= d.high)) return false;
  const step = numericStep(d);
  if (step === undefined) return true;
  const k = (internal - d.low) / step;
  return Math.abs(k - Math.round(k)) < 1e-8;
}

/** Same distribution (used when trials of one study are read back from storage). */
export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'categorical' || b.type === 'categorical') {
    return (
      a.type === 'categorical' &&
      b.type === 'categorical' &&
      a.choices.length === b.choices.length &&
      a.choices.every((c, i) => c === b.choices[i])
    );
  }
  return a.low === b.low && a.high === b.high && !!a.log === !!b.log && numericStep(a) === numericStep(b);
}

/**
 * A search space from the config's `training.hyperparameter_tuning.search_spaces.<model>`
 * section (`{ type: int|float|categorical, low, high, log?, step?, choices? }` per parameter),
 * validated.
 */
export function searchSpaceFromConfig(section: Readonly<Record<string, unknown>>): SearchSpace {
  const out: Record<string, Distribution> = {};
  for (const [name, raw] of Object.entries(section)) {
    if (raw === null || typeof raw !== 'object')
      throw new TuningError(
        `parameter ${name}: expected { type, low, high } or { type: categorical, choices }`,
      );
    out[name] = checkDistribution(name, raw as Distribution);
  }
  return out;
}

/** numpy's `np.round`: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
