import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../core/random.js';
import { approximateMode, exportSplit, stratifiedKFold, stratifiedSplit } from './stratified.js';

interface SplitCase {
  name: string;
  y: number[];
  test_size: number;
  validation_size: number | null;
  classes: number[];
  train: number[];
  validation: number[];
  test: number[];
}
interface KFoldCase {
  name: string;
  y: number[];
  k: number;
  classes: number[];
  test_folds: number[][];
  shuffled_test_counts: number[][];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '__fixtures__/sklearn-splits.json'), 'utf8')) as {
  sklearn_version: string;
  splits: SplitCase[];
  kfolds: KFoldCase[];
};

function classCounts(y: readonly number[], idx: Int32Array, classes: readonly number[]): number[] {
  return classes.map((c) => idx.reduce((acc, i) => acc + (y[i] === c ? 1 : 0), 0));
}

describe(`stratifiedSplit against scikit-learn ${fixture.sklearn_version} train_test_split(stratify) counts (exact)`, () => {
  for (const c of fixture.splits) {
    it(c.name, () => {
      for (const seed of [0, 1, 42]) {
        const s = stratifiedSplit(c.y, { testSize: c.test_size, ...(c.validation_size === null ? {} : { validationSize: c.validation_size }), seed });
        expect(classCounts(c.y, s.train, c.classes)).toEqual(c.train);
        expect(classCounts(c.y, s.validation, c.classes)).toEqual(c.validation);
        expect(classCounts(c.y, s.test, c.classes)).toEqual(c.test);
        // A partition of all rows, each part sorted.
        const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
        expect(all).toEqual(c.y.map((_, i) => i));
        for (const part of [s.train, s.validation, s.test]) expect(part.every((v, i) => i === 0 || v > part[i - 1]!)).toBe(true);
      }
    });
  }

  it('is reproducible for a seed and differs across seeds', () => {
    const y = fixture.splits[0]!.y;
    const a = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 7 });
    const b = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 7 });
    const c = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 8 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('errors name the argument', () => {
    expect(() => stratifiedSplit([], { testSize: 0.2, seed: 1 })).toThrow('y is empty: nothing to split');
    expect(() => stratifiedSplit([0, 1, 0, 1], { testSize: 1.2, seed: 1 })).toThrow('testSize=1.2 must be a fraction in the (0, 1) range');
    expect(() => stratifiedSplit([0, 0, 0, 1], { testSize: 0.5, seed: 1 })).toThrow(
      'the least populated classes in y have only 1 member, which is too few to stratify: classes 1',
    );
    expect(() => stratifiedSplit([0, NaN, 0, 1], { testSize: 0.5, seed: 1 })).toThrow('y contains NaN at index 1; labels must be known to stratify');
    expect(() => stratifiedSplit([0, 0, 1, 1, 0, 1], { testSize: 0.1, seed: 1 })).toThrow(
      'testSize gives 1 rows, fewer than the number of classes 2; raise testSize',
    );
  });
});

describe('approximateMode', () => {
  it('matches the scikit-learn docstring examples (no ties)', () => {
    expect(approximateMode([4, 2], 3, new Rng(0))).toEqual([2, 1]);
    expect(approximateMode([5, 2], 4, new Rng(0))).toEqual([3, 1]);
  });
  it('breaks ties at random but always draws exactly nDraws', () => {
    const r = approximateMode([2, 2, 2, 1], 2, new Rng(3));
    expect(r.reduce((a, b) => a + b, 0)).toBe(2);
    expect(r[3]).toBe(0);
  });
});

describe(`stratifiedKFold against scikit-learn ${fixture.sklearn_version} StratifiedKFold`, () => {
  for (const c of fixture.kfolds) {
    it(`${c.name}: identical folds without shuffle`, () => {
      const folds = stratifiedKFold(c.y, c.k);
      expect(folds.map((f) => Array.from(f.test))).toEqual(c.test_folds);
      for (const f of folds) expect(f.train.length + f.test.length).toBe(c.y.length);
    });
    it(`${c.name}: same per-class fold counts with shuffle`, () => {
      const folds = stratifiedKFold(c.y, c.k, { shuffle: true, seed: 5 });
      expect(folds.map((f) => classCounts(c.y, f.test, c.classes))).toEqual(c.shuffled_test_counts);
    });
  }

  it('errors', () => {
    expect(() => stratifiedKFold([0, 1, 0, 1], 1)).toThrow('k-fold cross-validation requires at least one train/test split: k must be an integer >= 2, got 1');
    expect(() => stratifiedKFold([0, 1], 3)).toThrow('cannot have k=3 folds with only 2 samples');
    expect(() => stratifiedKFold([0, 1, 0, 1], 3)).toThrow('k=3 cannot be greater than the number of members in each class');
    expect(() => stratifiedKFold([0, 1, NaN, 1], 2)).toThrow('y contains NaN at index 2; labels must be known to stratify');
  });
});

describe('exportSplit', () => {
  it('writes the indices as JSON that round-trips', () => {
    const dir = mkdtempSync(join(tmpdir(), 'split-'));
    try {
      const y = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1];
      const s = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 3 });
      const path = join(dir, 'split.json');
      exportSplit(path, s, { nRows: y.length, seed: 3, testSize: 0.2, validationSize: 0.25 });
      const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      expect(doc).toEqual({
        formatVersion: 1,
        nRows: 20,
        seed: 3,
        testSize: 0.2,
        validationSize: 0.25,
        train: Array.from(s.train),
        validation: Array.from(s.validation),
        test: Array.from(s.test),
      });
      expect(s.train.length + s.validation.length + s.test.length).toBe(20);
      expect(s.test.length).toBe(4);
      expect(s.validation.length).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
