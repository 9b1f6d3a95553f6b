import type { Labels, Matrix } from './matrix.js';

/**
 * The scikit-learn estimator contract: the constructor stores hyperparameters only, `fit` learns
 * state and returns `this`, `getParams` returns the hyperparameters, `toJSON`/`fromJSON` round-trip
 * the fitted model. Binary classification: `predictProba` returns the positive-class probability
 * per row.
 */
export interface Classifier<P extends object> {
  readonly kind: string;
  fit(x: Matrix, y: Labels, options?: FitOptions): this;
  predictProba(x: Matrix): Float64Array;
  getParams(): P;
  toJSON(): SerializedModel<P>;
}

export interface SerializedModel<P extends object> {
  kind: string;
  formatVersion: number;
  params: P;
  state: unknown;
}

export interface RoundInfo {
  round: number;
  trainLoss: number;
  validLoss?: number;
  validAuc?: number;
}

export interface FitOptions {
  /** Validation split for early stopping and per-round monitoring. */
  validation?: { x: Matrix; y: Labels };
  /** Called after each boosting round (or tree); return `false` to stop training (pruning). */
  onRound?: (info: RoundInfo) => boolean | void;
}
