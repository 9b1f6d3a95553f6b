import { writeFileSync } from 'node:fs';
import { Rng } from '../core/random.js';

/** The split error: messages mirror scikit-learn's ValueErrors and say what to change. */
export class SplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitError';
  }
}

export interface StratifiedSplitOptions {
  /** Fraction of all rows held out for test, in (0, 1); rows = ceil(testSize * n) like scikit-learn. */
  readonly testSize: number;
  /**
   * Fraction of the rows left after the test split that becomes validation, in (0, 1), like a
   * second `train_test_split(..., test_size=validationSize, stratify=...)` on the remainder (the
   * seed's prepare_data). 60/20/20 is `{ testSize: 0.2, validationSize: 0.25 }`. Omit for a
   * two-way split.
   */
  readonly validationSize?: number;
  readonly seed: number;
}

/** Row indices per part, each sorted ascending. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

interface Classes {
  /** Sorted distinct labels. */
  readonly labels: number[];
  /** Row indices per class, ascending. */
  readonly members: number[][];
}

function groupClasses(y: ArrayLike<number>, rows: ArrayLike<number>): Classes {
  const byLabel = new Map<number, number[]>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const label = y[i]!;
    if (Number.isNaN(label)) throw new SplitError(`y contains NaN at index ${i}; labels must be known to stratify`);
    let list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, (list = []));
    list.push(i);
  }
  const labels = [...byLabel.keys()].sort((a, b) => a - b);
  return { labels, members: labels.map((l) => byLabel.get(l)!) };
}

/**
 * scikit-learn's `_approximate_mode`: the most likely class counts when drawing `nDraws` rows
 * without replacement: floor(count * nDraws / total), then one more for the classes with the
 * largest remainders (ties broken at random).
 */
export function approximateMode(classCounts: readonly number[], nDraws: number, rng: Rng): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  const continuous = classCounts.map((c) => (c / total) * nDraws);
  const floored = continuous.map((c) => Math.floor(c));
  let needToAdd = nDraws - floored.reduce((a, b) => a + b, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, needToAdd);
      rng.shuffle(inds);
      for (let j = 0; j < addNow; j++) floored[inds[j]!]! += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/** One stratified shuffle split of `rows` (scikit-learn's StratifiedShuffleSplit, one iteration). */
function splitOnce(y: ArrayLike<number>, rows: ArrayLike<number>, testSize: number, rng: Rng, what: string): { train: number[]; test: number[] } {
  if (!(testSize > 0 && testSize < 1)) throw new SplitError(`${what}=${testSize} must be a fraction in the (0, 1) range`);
  const n = rows.length;
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  if (nTrain === 0) throw new SplitError(`with n_samples=${n} and ${what}=${testSize} the train part would be empty; lower ${what}`);
  const { labels, members } = groupClasses(y, rows);
  const counts = members.map((m) => m.length);
  const tooFew = labels.filter((_, k) => counts[k]! < 2);
  if (tooFew.length > 0) {
    throw new SplitError(`the least populated classes in y have only 1 member, which is too few to stratify: classes ${tooFew.join(', ')}`);
  }
  if (nTrain < labels.length) throw new SplitError(`the train size ${nTrain} should be greater or equal to the number of classes ${labels.length}`);
  if (nTest < labels.length) throw new SplitError(`${what} gives ${nTest} rows, fewer than the number of classes ${labels.length}; raise ${what}`);
  const nI = approximateMode(counts, nTrain, rng);
  const tI = approximateMode(
    counts.map((c, k) => c - nI[k]!),
    nTest,
    rng,
  );
  const train: number[] = [];
  const test: number[] = [];
  for (let k = 0; k < labels.length; k++) {
    const perm = rng.shuffle(members[k]!.slice());
    for (let j = 0; j < nI[k]!; j++) train.push(perm[j]!);
    for (let j = nI[k]!; j < nI[k]! + tI[k]!; j++) test.push(perm[j]!);
  }
  return { train, test };
}

function sorted(a: number[]): Int32Array {
  return Int32Array.from(a).sort();
}

/**
 * Seeded stratified train/validation/test split. Part sizes and per-class counts follow
 * scikit-learn's `train_test_split(stratify=y)` / StratifiedShuffleSplit formula exactly
 * (test = ceil(testSize * n), class counts by `approximateMode`); which rows land where differs
 * from scikit-learn (a different random generator). Export the indices (`exportSplit`) when
 * Python must use the identical split.
 *
 * @param y class labels (any numbers, typically 0/1), length n; NaN is an error.
 */
export function stratifiedSplit(y: ArrayLike<number>, options: StratifiedSplitOptions): SplitIndices {
  const rng = new Rng(options.seed);
  const all = Array.from({ length: y.length }, (_, i) => i);
  if (y.length === 0) throw new SplitError('y is empty: nothing to split');
  const first = splitOnce(y, all, options.testSize, rng, 'testSize');
  if (options.validationSize === undefined) {
    return { train: sorted(first.train), validation: new Int32Array(0), test: sorted(first.test) };
  }
  const rest = sorted(first.train);
  const second = splitOnce(y, rest, options.validationSize, rng, 'validationSize');
  return { train: sorted(second.train), validation: sorted(second.test), test: sorted(first.test) };
}

export interface Fold {
  /** Ascending row indices. */
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * Stratified k-fold like scikit-learn's `StratifiedKFold(n_splits=k, shuffle, random_state)`:
 * classes are numbered by first appearance, per-fold class counts come from a round robin over
 * the sorted labels, and each class's rows take fold numbers in blocks (shuffled when
 * `shuffle`). Fold sizes and per-class counts equal scikit-learn's; with `shuffle: false` the
 * folds are identical to scikit-learn's.
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, options: { shuffle?: boolean; seed?: number } = {}): Fold[] {
  if (!Number.isInteger(k) || k < 2) {
    throw new SplitError(`k-fold cross-validation requires at least one train/test split: k must be an integer >= 2, got ${k}`);
  }
  const n = y.length;
  if (k > n) throw new SplitError(`cannot have k=${k} folds with only ${n} samples`);
  const firstSeen = new Map<number, number>();
  const encoded = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = y[i]!;
    if (Number.isNaN(label)) throw new SplitError(`y contains NaN at index ${i}; labels must be known to stratify`);
    let code = firstSeen.get(label);
    if (code === undefined) firstSeen.set(label, (code = firstSeen.size));
    encoded[i] = code;
  }
  const nClasses = firstSeen.size;
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < n; i++) counts[encoded[i]!]!++;
  if (counts.every((c) => k > c)) throw new SplitError(`k=${k} cannot be greater than the number of members in each class`);
  // allocation[f][c] = members of class c among positions f, f+k, f+2k... of the sorted labels.
  const allocation = Array.from({ length: k }, () => new Array<number>(nClasses).fill(0));
  let pos = 0;
  for (let c = 0; c < nClasses; c++) {
    for (let j = 0; j < counts[c]!; j++, pos++) allocation[pos % k]![c]!++;
  }
  const rng = options.shuffle ? new Rng(options.seed ?? 0) : null;
  const testFold = new Int32Array(n);
  for (let c = 0; c < nClasses; c++) {
    const folds: number[] = [];
    for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f]![c]!; j++) folds.push(f);
    if (rng) rng.shuffle(folds);
    let j = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === c) testFold[i] = folds[j++]!;
  }
  const out: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (testFold[i] === f ? test : train).push(i);
    out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return out;
}

/** The JSON document of a split: `{ formatVersion, nRows, seed?, train, validation, test }`. */
export function splitToJSON(split: SplitIndices, meta: { nRows: number; seed?: number; testSize?: number; validationSize?: number }): string {
  return JSON.stringify({
    formatVersion: 1,
    ...meta,
    train: Array.from(split.train),
    validation: Array.from(split.validation),
    test: Array.from(split.test),
  });
}

/**
 * Writes the split's indices as JSON (`splitToJSON`) so Python anchors use the identical rows:
 * `compat/split/load_split.py` reads it back into numpy index arrays.
 */
export function exportSplit(path: string, split: SplitIndices, meta: { nRows: number; seed?: number; testSize?: number; validationSize?: number }): void {
  writeFileSync(path, splitToJSON(split, meta) + '\n');
}
