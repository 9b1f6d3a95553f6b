import type { Tree } from '../trees/tree.js';

/**
 * Growable flat-array tree used by the importers: nodes are appended in the order the importer
 * walks the source tree (pre-order), then frozen into the typed arrays of {@link Tree}.
 */
export class TreeBuilder {
  private readonly feature: number[] = [];
  private readonly threshold: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly defaultLeft: number[] = [];
  private readonly value: number[] = [];
  private readonly cover: number[] = [];
  private readonly gain: number[] = [];

  /** Number of nodes appended so far. */
  get size(): number {
    return this.feature.length;
  }

  /** Appends a leaf and returns its index. */
  leaf(value: number, cover: number): number {
    return this.push(-1, 0, -1, -1, 0, value, cover, 0);
  }

  /** Appends an internal node with children to be set by {@link setChildren}; returns its index. */
  split(feature: number, threshold: number, defaultLeft: boolean, cover: number, gain: number, value = 0): number {
    return this.push(feature, threshold, -1, -1, defaultLeft ? 1 : 0, value, cover, gain);
  }

  setChildren(node: number, left: number, right: number): void {
    this.left[node] = left;
    this.right[node] = right;
  }

  build(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    };
  }

  private push(f: number, t: number, l: number, r: number, d: number, v: number, c: number, g: number): number {
    this.feature.push(f);
    this.threshold.push(t);
    this.left.push(l);
    this.right.push(r);
    this.defaultLeft.push(d);
    this.value.push(v);
    this.cover.push(c);
    this.gain.push(g);
    return this.feature.length - 1;
  }
}

/** Error raised by the importers for malformed or unsupported model files. */
export class ModelImportError extends Error {
  constructor(
    readonly format: 'xgboost-json' | 'lightgbm-text',
    message: string,
  ) {
    super(`${format === 'xgboost-json' ? 'importXGBoostJson' : 'importLightGBMText'}: ${message}`);
    this.name = 'ModelImportError';
  }
}
