import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Classifier, FitOptions, SerializedModel } from '../core/estimator.js';
import type { Labels, Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { leafIndex, type Tree, type TreeEnsemble } from '../trees/tree.js';
import { growForestTree, type ForestGrowConfig, type ForestGrownTree } from './grow-tree.js';

/** Hyperparameters of {@link RandomForestClassifier} (scikit-learn names and defaults, camelCase). */
export interface RandomForestParams {
  /** Number of trees. Default 100. */
  nEstimators?: number;
  /** Maximum depth (root = depth 0); null = unlimited (sklearn None). Default null. */
  maxDepth?: number | null;
  /** Minimum rows (distinct bootstrap rows) to split a node. Default 2. */
  minSamplesSplit?: number;
  /** Minimum rows in each child. Default 1. */
  minSamplesLeaf?: number;
  /**
   * Features examined per split: 'sqrt' (default, as sklearn's classifier), 'log2', an integer
   * count >= 1, a fraction in (0, 1) of the columns, or null for all columns.
   */
  maxFeatures?: 'sqrt' | 'log2' | number | null;
  /** Draw n rows with replacement per tree (weights = counts). Default true. */
  bootstrap?: boolean;
  /** Seed; the same seed gives identical trees for any nThreads. Default 0. */
  randomState?: number;
  /** Worker threads used to grow trees (1 = main thread only). Default 1. */
  nThreads?: number;
}

type Resolved = Required<Omit<RandomForestParams, 'maxDepth' | 'maxFeatures'>> & {
  maxDepth: number | null;
  maxFeatures: 'sqrt' | 'log2' | number | null;
};

interface ForestState {
  trees: Tree[];
  nFeatures: number;
  featureNames: string[];
}

const FORMAT_VERSION = 1;

function resolve(p: RandomForestParams): Resolved {
  const r: Resolved = {
    nEstimators: p.nEstimators ?? 100,
    maxDepth: p.maxDepth ?? null,
    minSamplesSplit: p.minSamplesSplit ?? 2,
    minSamplesLeaf: p.minSamplesLeaf ?? 1,
    maxFeatures: p.maxFeatures === undefined ? 'sqrt' : p.maxFeatures,
    bootstrap: p.bootstrap ?? true,
    randomState: p.randomState ?? 0,
    nThreads: p.nThreads ?? 1,
  };
  const posInt = (v: number, name: string, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  posInt(r.nEstimators, 'nEstimators', 1);
  if (r.maxDepth !== null) posInt(r.maxDepth, 'maxDepth', 1);
  posInt(r.minSamplesSplit, 'minSamplesSplit', 2);
  posInt(r.minSamplesLeaf, 'minSamplesLeaf', 1);
  posInt(r.nThreads, 'nThreads', 1);
  if (!Number.isFinite(r.randomState)) throw new RangeError(`randomState must be a finite number, got ${r.randomState}`);
  const mf = r.maxFeatures;
  if (mf !== null && mf !== 'sqrt' && mf !== 'log2') {
    if (typeof mf !== 'number' || !(mf > 0) || (!Number.isInteger(mf) && mf >= 1)) {
      throw new RangeError(`maxFeatures must be 'sqrt', 'log2', an integer >= 1, a fraction in (0, 1) or null, got ${String(mf)}`);
    }
  }
  return r;
}

/** Features per split for p columns, as sklearn resolves max_features. */
export function resolveMaxFeatures(mf: 'sqrt' | 'log2' | number | null, p: number): number {
  if (mf === null) return p;
  if (mf === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(p)));
  if (mf === 'log2') return Math.max(1, Math.floor(Math.log2(p)));
  if (Number.isInteger(mf)) {
    if (mf > p) throw new RangeError(`maxFeatures ${mf} exceeds the ${p} columns of x`);
    return mf;
  }
  return Math.max(1, Math.floor(mf * p));
}

/**
 * Random forest classifier with scikit-learn's semantics (`RandomForestClassifier`, criterion gini):
 * each tree is a CART tree grown by exact best splits over sorted values (see
 * {@link growForestTree}) on a bootstrap sample (weights = draw counts), examining `maxFeatures`
 * random features per node; predictProba = mean over trees of the leaf's weighted positive fraction.
 *
 * Missing values (NaN) are supported as in sklearn >= 1.4: each split learns where missing rows
 * go. Exact splits rather than histograms, because that is what sklearn does and the Telco data is
 * small (a 100-tree forest on 4,225 rows fits in about a second).
 *
 * Randomness: tree t is grown from its own `Rng` seeded by the t-th draw of `Rng(randomState)`,
 * so results are identical for a seed whatever `nThreads`. They are not sklearn's trees (different
 * RNG); accuracy is compared with sklearn's on the same data in the tests.
 *
 * @example
 * const rf = new RandomForestClassifier({ nEstimators: 100, maxDepth: 10, randomState: 42 }).fit(x, y);
 * rf.predictProba(xTest); rf.featureImportances; rf.toEnsemble();
 */
export class RandomForestClassifier implements Classifier<RandomForestParams> {
  readonly kind = 'random-forest';
  private readonly params: Resolved;
  private state: ForestState | null = null;

  constructor(params: RandomForestParams = {}) {
    this.params = resolve(params);
  }

  getParams(): RandomForestParams {
    return { ...this.params };
  }

  fit(x: Matrix, y: Labels, _options?: FitOptions): this {
    const n = x.rows;
    const p = x.cols;
    if (y.length !== n) throw new RangeError(`y has ${y.length} labels for ${n} rows of x`);
    if (n === 0) throw new RangeError('x has no rows: fit needs training data');
    if (p === 0) throw new RangeError('x has no columns: fit needs at least one feature');
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (v !== 0 && v !== 1) throw new RangeError(`y must hold 0/1 labels, found ${v} at row ${i}`);
    }
    const P = this.params;
    const cfg: ForestGrowConfig = {
      maxDepth: P.maxDepth ?? Infinity,
      minSamplesSplit: P.minSamplesSplit,
      minSamplesLeaf: P.minSamplesLeaf,
      maxFeatures: resolveMaxFeatures(P.maxFeatures, p),
    };
    const master = new Rng(P.randomState);
    const seeds = Array.from({ length: P.nEstimators }, () => master.nextUint32());
    const nThreads = Math.min(P.nThreads, P.nEstimators);
    const grown = nThreads > 1 ? growParallel(x, y, cfg, seeds, P.bootstrap, nThreads) : seeds.map((s) => growOne(x.data, n, p, y, cfg, s, P.bootstrap));
    this.state = { trees: grown, nFeatures: p, featureNames: [...x.columnNames] };
    return this;
  }

  /** Mean over trees of the leaf's positive-class fraction, per row. */
  predictProba(x: Matrix): Float64Array {
    const st = this.fitted();
    if (x.cols !== st.nFeatures) throw new RangeError(`x has ${x.cols} columns, the model was fitted on ${st.nFeatures}`);
    const n = x.rows;
    const out = new Float64Array(n);
    let row = 0;
    const get = (c: number): number => x.data[c * n + row]!;
    for (const t of st.trees) {
      for (row = 0; row < n; row++) out[row] += t.value[leafIndex(t, 'le', false, get)]!;
    }
    const k = st.trees.length;
    for (let i = 0; i < n; i++) out[i] /= k;
    return out;
  }

  /**
   * Mean decrease in impurity per feature, normalized to sum 1 (sklearn `feature_importances_`):
   * per tree, sum of w*gini - wL*giniL - wR*giniR over its splits on the feature, normalized to sum 1
   * (single-leaf trees skipped); averaged over trees and normalized again.
   */
  get featureImportances(): Float64Array {
    const st = this.fitted();
    const total = new Float64Array(st.nFeatures);
    const per = new Float64Array(st.nFeatures);
    let used = 0;
    for (const t of st.trees) {
      if (t.feature.length <= 1) continue;
      per.fill(0);
      let s = 0;
      for (let i = 0; i < t.feature.length; i++) {
        const f = t.feature[i]!;
        if (f >= 0) {
          per[f] += t.gain[i]!;
          s += t.gain[i]!;
        }
      }
      if (s > 0) for (let f = 0; f < per.length; f++) total[f] += per[f]! / s;
      used++;
    }
    let sum = 0;
    for (let f = 0; f < total.length; f++) sum += total[f]!;
    if (used > 0 && sum > 0) for (let f = 0; f < total.length; f++) total[f] = total[f]! / sum;
    return total;
  }

  /** The shared tree form: rule 'le', link 'mean-probability', leaf value = positive fraction. */
  toEnsemble(): TreeEnsemble {
    const st = this.fitted();
    return { trees: st.trees, splitRule: 'le', link: 'mean-probability', baseMargin: 0, nFeatures: st.nFeatures, featureNames: st.featureNames, float32Features: false };
  }

  toJSON(): SerializedModel<RandomForestParams> {
    const st = this.fitted();
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      params: this.getParams(),
      state: {
        nFeatures: st.nFeatures,
        featureNames: st.featureNames,
        // +Infinity thresholds (non-missing | missing splits) are written as null (JSON has no Infinity)
        trees: st.trees.map((t) => ({
          feature: Array.from(t.feature),
          threshold: Array.from(t.threshold, (v) => (Number.isFinite(v) ? v : null)),
          left: Array.from(t.left),
          right: Array.from(t.right),
          defaultLeft: Array.from(t.defaultLeft),
          value: Array.from(t.value),
          cover: Array.from(t.cover),
          gain: Array.from(t.gain),
        })),
      },
    };
  }

  static fromJSON(json: SerializedModel<RandomForestParams>): RandomForestClassifier {
    if (json.kind !== 'random-forest') throw new TypeError(`fromJSON: kind "${json.kind}" is not a random-forest model`);
    if (json.formatVersion !== FORMAT_VERSION) throw new TypeError(`fromJSON: formatVersion ${json.formatVersion} is not supported (expected ${FORMAT_VERSION})`);
    const st = json.state as { nFeatures?: number; featureNames?: string[]; trees?: Record<string, (number | null)[]>[] } | null;
    if (!st || typeof st.nFeatures !== 'number' || !Array.isArray(st.trees) || !Array.isArray(st.featureNames)) {
      throw new TypeError('fromJSON: state must hold nFeatures, featureNames and trees');
    }
    const arr = (t: Record<string, (number | null)[]>, k: string): (number | null)[] => {
      const v = t[k];
      if (!Array.isArray(v)) throw new TypeError(`fromJSON: a tree has no "${k}" array`);
      return v;
    };
    const m = new RandomForestClassifier(json.params);
    m.state = {
      nFeatures: st.nFeatures,
      featureNames: st.featureNames.map(String),
      trees: st.trees.map((t) => ({
        feature: Int32Array.from(arr(t, 'feature'), Number),
        threshold: Float64Array.from(arr(t, 'threshold'), (v) => (v === null ? Infinity : v)),
        left: Int32Array.from(arr(t, 'left'), Number),
        right: Int32Array.from(arr(t, 'right'), Number),
        defaultLeft: Uint8Array.from(arr(t, 'defaultLeft'), Number),
        value: Float64Array.from(arr(t, 'value'), Number),
        cover: Float64Array.from(arr(t, 'cover'), Number),
        gain: Float64Array.from(arr(t, 'gain'), Number),
      })),
    };
    return m;
  }

  private fitted(): ForestState {
    if (!this.state) throw new Error('RandomForestClassifier is not fitted: call fit(x, y) first');
    return this.state;
  }
}

/** Bootstrap weights (draw counts) and one tree from a tree seed; the unit of work of every thread. */
function growOne(x: Float64Array, n: number, p: number, y: Uint8Array, cfg: ForestGrowConfig, seed: number, bootstrap: boolean): ForestGrownTree {
  const rng = new Rng(seed);
  const sw = new Float64Array(n);
  if (bootstrap) for (let i = 0; i < n; i++) sw[rng.nextInt(n)] += 1;
  else sw.fill(1);
  return growForestTree(x, n, p, y, sw, cfg, (k) => rng.nextInt(k));
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function workerSource(): string {
  return `
const { workerData } = require('node:worker_threads');
const rotl = ${rotl.toString()};
const Rng = ${Rng.toString()};
const growForestTree = ${growForestTree.toString()};
const growOne = ${growOne.toString()};
const d = workerData;
const ctrl = new Int32Array(d.ctrl);
const x = new Float64Array(d.x);
const y = new Uint8Array(d.y);
try {
  for (const [t, seed] of d.jobs) {
    const tree = growOne(x, d.n, d.p, y, d.cfg, seed, d.bootstrap);
    d.port.postMessage({ t, tree });
  }
} catch (e) {
  d.port.postMessage({ error: String(e && e.stack || e) });
}
Atomics.add(ctrl, 0, 1);
Atomics.notify(ctrl, 0);
`;
}

/**
 * Grows trees on `nThreads - 1` workers plus the main thread (tree t on thread t mod nThreads).
 * Synchronous: the main thread blocks in Atomics.wait, then drains each worker's MessagePort with
 * receiveMessageOnPort. Every tree depends only on its seed, so the forest equals the 1-thread one.
 */
function growParallel(x: Matrix, y: Labels, cfg: ForestGrowConfig, seeds: number[], bootstrap: boolean, nThreads: number): Tree[] {
  const n = x.rows;
  const p = x.cols;
  const xs = new SharedArrayBuffer(x.data.byteLength);
  new Float64Array(xs).set(x.data);
  const ys = new SharedArrayBuffer(Math.max(1, y.length));
  new Uint8Array(ys).set(y);
  const ctrl = new Int32Array(new SharedArrayBuffer(4));
  const src = workerSource();
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  const out: Tree[] = new Array<Tree>(seeds.length);
  try {
    for (let w = 1; w < nThreads; w++) {
      const jobs: [number, number][] = [];
      for (let t = w; t < seeds.length; t += nThreads) jobs.push([t, seeds[t]!]);
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      const worker = new Worker(src, {
        eval: true,
        workerData: { x: xs, y: ys, n, p, cfg, bootstrap, jobs, ctrl: ctrl.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      workers.push(worker);
    }
    for (let t = 0; t < seeds.length; t += nThreads) out[t] = growOne(x.data, n, p, y, cfg, seeds[t]!, bootstrap);
    const deadline = Date.now() + 600_000;
    for (;;) {
      const done = Atomics.load(ctrl, 0);
      if (done >= nThreads - 1) break;
      if (Date.now() > deadline) throw new Error('random forest: worker threads did not finish in 10 minutes; retry with nThreads: 1');
      Atomics.wait(ctrl, 0, done, 1000);
    }
    for (const port of ports) {
      for (let msg = receiveMessageOnPort(port); msg; msg = receiveMessageOnPort(port)) {
        const m = msg.message as { t?: number; tree?: ForestGrownTree; error?: string };
        if (m.error !== undefined) throw new Error(`random forest: a worker thread failed (${m.error}); retry with nThreads: 1`);
        out[m.t!] = m.tree!;
      }
    }
  } finally {
    for (const port of ports) port.close();
    for (const w of workers) void w.terminate();
  }
  for (let t = 0; t < out.length; t++) if (!out[t]) throw new Error(`random forest: tree ${t} was not returned by its worker thread; retry with nThreads: 1`);
  return out;
}
