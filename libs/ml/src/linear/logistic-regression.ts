import type { Classifier, FitOptions, SerializedModel } from '../core/estimator.js';
import type { Labels, Matrix } from '../core/matrix.js';
import { sigmoid } from '../trees/tree.js';

/** Hyperparameters of {@link LogisticRegression} (scikit-learn names, camelCase). */
export interface LogisticRegressionParams {
  /** Inverse L2 strength, as sklearn: objective = C * sum(logloss) + ||coef||^2 / 2. Default 1.0. */
  C?: number;
  /** Fit an (unpenalized) intercept. Default true. */
  fitIntercept?: boolean;
  /**
   * Stop when max |gradient| of the per-sample objective (sum(logloss) + ||coef||^2 / (2 C)) / n
   * is at most tol. Default 1e-8: sklearn's lbfgs default 1e-4 stops up to ~1e-3 away from the
   * optimum; Newton converges quadratically, so the tight default costs one or two iterations.
   */
  tol?: number;
  /** Maximum Newton iterations. Default 100 (Newton needs ~5-10 on standardized data). */
  maxIter?: number;
}

type Resolved = Required<LogisticRegressionParams>;

interface LrState {
  coef: number[];
  intercept: number;
  nIter: number;
  featureNames: string[];
}

const FORMAT_VERSION = 1;

function resolve(p: LogisticRegressionParams): Resolved {
  const r: Resolved = { C: p.C ?? 1.0, fitIntercept: p.fitIntercept ?? true, tol: p.tol ?? 1e-8, maxIter: p.maxIter ?? 100 };
  if (!(r.C > 0) || !Number.isFinite(r.C)) throw new RangeError(`C must be a positive finite number (inverse regularization strength), got ${r.C}`);
  if (!(r.tol > 0)) throw new RangeError(`tol must be positive, got ${r.tol}`);
  if (!Number.isInteger(r.maxIter) || r.maxIter < 1) throw new RangeError(`maxIter must be a positive integer, got ${r.maxIter}`);
  return r;
}

/** Throws naming the first column holding NaN: logistic regression needs imputed input. */
function assertNoNaN(x: Matrix, what: string): void {
  const n = x.rows;
  for (let c = 0; c < x.cols; c++) {
    const off = c * n;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(x.data[off + i]!)) {
        throw new RangeError(
          `${what} column "${x.columnNames[c] ?? `#${c}`}" has a missing value (NaN) at row ${i}; LogisticRegression needs imputed input (add an imputer to the preprocessing)`,
        );
      }
    }
  }
}

/**
 * Binary logistic regression with an L2 penalty, scikit-learn's `LogisticRegression(penalty='l2')`:
 * minimizes C * sum_i logloss(y_i, sigmoid(b + x_i . w)) + ||w||^2 / 2 with the intercept b
 * unpenalized. The optimum is unique, so coefficients equal sklearn's (lbfgs, newton-cg,
 * newton-cholesky) at convergence.
 *
 * Solver: Newton's method (IRLS) with the exact Hessian X^T S X + I (S = diag p(1-p)), solved by
 * Cholesky, with Armijo backtracking on the objective. O(n p^2) per iteration: fast for the
 * ~50 columns of an encoded table, not meant for thousands of columns.
 *
 * Input: a column-major {@link Matrix} without NaN (fit and predictProba throw naming the column).
 *
 * @example
 * const lr = new LogisticRegression({ C: 1.0 }).fit(x, y);
 * lr.coef; lr.intercept; lr.predictProba(xTest);
 */
export class LogisticRegression implements Classifier<LogisticRegressionParams> {
  readonly kind = 'logistic-regression';
  private readonly params: Resolved;
  private state: LrState | null = null;

  constructor(params: LogisticRegressionParams = {}) {
    this.params = resolve(params);
  }

  getParams(): LogisticRegressionParams {
    return { ...this.params };
  }

  /** Coefficients per column (sklearn `coef_[0]`). */
  get coef(): Float64Array {
    return Float64Array.from(this.fitted().coef);
  }

  /** Intercept (sklearn `intercept_[0]`); 0 when fitIntercept is false. */
  get intercept(): number {
    return this.fitted().intercept;
  }

  /** Newton iterations used by the last fit (sklearn `n_iter_`). */
  get nIter(): number {
    return this.fitted().nIter;
  }

  fit(x: Matrix, y: Labels, _options?: FitOptions): this {
    const n = x.rows;
    const p = x.cols;
    if (y.length !== n) throw new RangeError(`y has ${y.length} labels for ${n} rows of x`);
    if (n === 0) throw new RangeError('x has no rows: fit needs training data');
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (v !== 0 && v !== 1) throw new RangeError(`y must hold 0/1 labels, found ${v} at row ${i}`);
      pos += v;
    }
    if (pos === 0 || pos === n) throw new RangeError('y has a single class: logistic regression needs both 0 and 1 labels');
    assertNoNaN(x, 'x');

    const { C, fitIntercept, tol, maxIter } = this.params;
    const d = p + (fitIntercept ? 1 : 0); // parameter vector: [w_0..w_{p-1}, b]
    const X = x.data;
    const theta = new Float64Array(d);
    const z = new Float64Array(n);
    const prob = new Float64Array(n);
    const s = new Float64Array(n);
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    const step = new Float64Array(d);
    const trial = new Float64Array(d);
    const zTrial = new Float64Array(n);

    const margins = (th: Float64Array, out: Float64Array): void => {
      out.fill(fitIntercept ? th[p]! : 0);
      for (let c = 0; c < p; c++) {
        const w = th[c]!;
        if (w === 0) continue;
        const off = c * n;
        for (let i = 0; i < n; i++) out[i] += w * X[off + i]!;
      }
    };
    // objective = C * sum logloss + ||w||^2 / 2, logloss = log(1 + e^z) - y z (stable form)
    const objective = (th: Float64Array, zz: Float64Array): number => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const zi = zz[i]!;
        const softplus = zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi));
        loss += softplus - (y[i] ? zi : 0);
      }
      let pen = 0;
      for (let c = 0; c < p; c++) pen += th[c]! * th[c]!;
      return C * loss + 0.5 * pen;
    };

    margins(theta, z);
    let f = objective(theta, z);
    let iter = 0;
    for (; iter < maxIter; iter++) {
      for (let i = 0; i < n; i++) {
        const pi = sigmoid(z[i]!);
        prob[i] = pi;
        s[i] = C * pi * (1 - pi);
      }
      // gradient
      for (let c = 0; c < p; c++) {
        const off = c * n;
        let g = 0;
        for (let i = 0; i < n; i++) g += X[off + i]! * (prob[i]! - y[i]!);
        grad[c] = C * g + theta[c]!;
      }
      if (fitIntercept) {
        let g = 0;
        for (let i = 0; i < n; i++) g += prob[i]! - y[i]!;
        grad[p] = C * g;
      }
      let gmax = 0;
      for (let k = 0; k < d; k++) gmax = Math.max(gmax, Math.abs(grad[k]!));
      if (gmax / (C * n) <= tol) break;
      // Hessian (lower triangle) = X^T S X + I (intercept unpenalized)
      for (let a = 0; a < p; a++) {
        const oa = a * n;
        for (let b = 0; b <= a; b++) {
          const ob = b * n;
          let h = 0;
          for (let i = 0; i < n; i++) h += X[oa + i]! * s[i]! * X[ob + i]!;
          hess[a * d + b] = h + (a === b ? 1 : 0);
        }
      }
      if (fitIntercept) {
        let hbb = 0;
        for (let i = 0; i < n; i++) hbb += s[i]!;
        hess[p * d + p] = hbb;
        for (let a = 0; a < p; a++) {
          const oa = a * n;
          let h = 0;
          for (let i = 0; i < n; i++) h += X[oa + i]! * s[i]!;
          hess[p * d + a] = h;
        }
      }
      for (let k = 0; k < d; k++) step[k] = -grad[k]!;
      choleskySolve(hess, d, step);
      // Armijo backtracking: f(theta + t step) <= f + 1e-4 t grad.step
      let slope = 0;
      for (let k = 0; k < d; k++) slope += grad[k]! * step[k]!;
      let t = 1;
      let fNew = f;
      for (let ls = 0; ls < 50; ls++) {
        for (let k = 0; k < d; k++) trial[k] = theta[k]! + t * step[k]!;
        margins(trial, zTrial);
        fNew = objective(trial, zTrial);
        if (fNew <= f + 1e-4 * t * slope || Math.abs(fNew - f) <= 1e-15 * Math.abs(f)) break;
        t *= 0.5;
      }
      theta.set(trial);
      z.set(zTrial);
      f = fNew;
    }
    this.state = {
      coef: Array.from(theta.subarray(0, p)),
      intercept: fitIntercept ? theta[p]! : 0,
      nIter: iter,
      featureNames: [...x.columnNames],
    };
    return this;
  }

  /** Positive-class probability per row: sigmoid(intercept + x . coef). */
  predictProba(x: Matrix): Float64Array {
    const st = this.fitted();
    if (x.cols !== st.coef.length) throw new RangeError(`x has ${x.cols} columns, the model was fitted on ${st.coef.length}`);
    assertNoNaN(x, 'x');
    return this.decision(x, st).map(sigmoid);
  }

  /** Raw margin per row: intercept + x . coef (sklearn decision_function). */
  decisionFunction(x: Matrix): Float64Array {
    const st = this.fitted();
    if (x.cols !== st.coef.length) throw new RangeError(`x has ${x.cols} columns, the model was fitted on ${st.coef.length}`);
    assertNoNaN(x, 'x');
    return this.decision(x, st);
  }

  toJSON(): SerializedModel<LogisticRegressionParams> {
    return { kind: this.kind, formatVersion: FORMAT_VERSION, params: this.getParams(), state: this.fitted() };
  }

  static fromJSON(json: SerializedModel<LogisticRegressionParams>): LogisticRegression {
    if (json.kind !== 'logistic-regression') throw new TypeError(`fromJSON: kind "${json.kind}" is not a logistic-regression model`);
    if (json.formatVersion !== FORMAT_VERSION) throw new TypeError(`fromJSON: formatVersion ${json.formatVersion} is not supported (expected ${FORMAT_VERSION})`);
    const st = json.state as Partial<LrState> | null;
    if (!st || !Array.isArray(st.coef) || typeof st.intercept !== 'number' || !Array.isArray(st.featureNames)) {
      throw new TypeError('fromJSON: state must hold coef (number[]), intercept (number) and featureNames');
    }
    const m = new LogisticRegression(json.params);
    m.state = { coef: st.coef.map(Number), intercept: st.intercept, nIter: st.nIter ?? 0, featureNames: st.featureNames.map(String) };
    return m;
  }

  private decision(x: Matrix, st: LrState): Float64Array {
    const n = x.rows;
    const out = new Float64Array(n).fill(st.intercept);
    for (let c = 0; c < st.coef.length; c++) {
      const w = st.coef[c]!;
      const off = c * n;
      for (let i = 0; i < n; i++) out[i] += w * x.data[off + i]!;
    }
    return out;
  }

  private fitted(): LrState {
    if (!this.state) throw new Error('LogisticRegression is not fitted: call fit(x, y) first');
    return this.state;
  }
}

/**
 * Solves A v = b in place (b overwritten by v) for a symmetric positive-definite A given by its
 * lower triangle (row-major d x d; A is overwritten by its Cholesky factor L). A tiny diagonal
 * jitter is added if a pivot is not positive (only for numerically singular Hessians).
 */
export function choleskySolve(a: Float64Array, d: number, b: Float64Array): void {
  for (let j = 0; j < d; j++) {
    let sum = a[j * d + j]!;
    for (let k = 0; k < j; k++) sum -= a[j * d + k]! * a[j * d + k]!;
    if (!(sum > 0)) sum = 1e-12 * Math.max(1, Math.abs(a[j * d + j]!));
    const ljj = Math.sqrt(sum);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let v = a[i * d + j]!;
      for (let k = 0; k < j; k++) v -= a[i * d + k]! * a[j * d + k]!;
      a[i * d + j] = v / ljj;
    }
  }
  for (let i = 0; i < d; i++) {
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= a[i * d + k]! * b[k]!;
    b[i] = v / a[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let k = i + 1; k < d; k++) v -= a[k * d + i]! * b[k]!;
    b[i] = v / a[i * d + i]!;
  }
}
