import { FeatureStoreError, FeatureStoreErrorCode } from './feature-store.error.js';
import type { FeatureValueType } from './value-codec.js';

/** One feature of a view: its name (a column name) and its value type. */
export interface OnlineFeature {
  readonly name: string;
  readonly type: FeatureValueType;
}

/**
 * A feature view (Feast's unit of materialization): a named group of features written together
 * with one event timestamp. A write replaces the view's row of an entity.
 */
export interface FeatureView {
  readonly name: string;
  readonly features: readonly OnlineFeature[];
}

/** A view with its Redis field names worked out once. */
export interface CompiledView {
  readonly name: string;
  readonly features: readonly OnlineFeature[];
  /** `<view>:<feature>` per feature, in feature order. */
  readonly fields: readonly string[];
  /** `_ts:<view>`: the event time (epoch ms) of the row. */
  readonly tsField: string;
  /** Feature name -> index in `features`. */
  readonly index: ReadonlyMap<string, number>;
}

/** Hash field of a view's event timestamp. */
export const TS_FIELD_PREFIX = '_ts:';

const VIEW_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Lua's unpack has a stack limit of about 8,000 values: keep a write well under it. */
export const MAX_FEATURES_PER_VIEW = 2000;

/**
 * Checks a view and derives its field names.
 *
 * @throws FeatureStoreError (INVALID_VIEW) naming the bad name, type or duplicate.
 */
export function compileView(view: FeatureView): CompiledView {
  const bad = (msg: string): never => {
    throw new FeatureStoreError(FeatureStoreErrorCode.InvalidView, `feature view '${String(view.name)}': ${msg}`);
  };
  if (typeof view.name !== 'string' || !VIEW_NAME.test(view.name)) {
    bad('the name must start with a letter or digit and hold only letters, digits, _ . - (no ":")');
  }
  if (!Array.isArray(view.features) || view.features.length === 0) bad('give at least one feature');
  if (view.features.length > MAX_FEATURES_PER_VIEW) bad(`${view.features.length} features; split it into views of at most ${MAX_FEATURES_PER_VIEW}`);
  const index = new Map<string, number>();
  view.features.forEach((f, i) => {
    if (typeof f.name !== 'string' || f.name === '' || f.name.includes(':')) bad(`feature ${i}: the name must be a non-empty string without ":", got ${JSON.stringify(f.name)}`);
    if (f.type !== 'number' && f.type !== 'string') bad(`feature '${f.name}': type must be 'number' or 'string', got ${JSON.stringify(f.type)}`);
    if (index.has(f.name)) bad(`feature '${f.name}' is listed twice`);
    index.set(f.name, i);
  });
  return {
    name: view.name,
    features: view.features.map((f) => ({ name: f.name, type: f.type })),
    fields: view.features.map((f) => `${view.name}:${f.name}`),
    tsField: `${TS_FIELD_PREFIX}${view.name}`,
    index,
  };
}

/** Two views define the same features with the same types in the same order. */
export function sameView(a: FeatureView, b: FeatureView): boolean {
  return (
    a.name === b.name &&
    a.features.length === b.features.length &&
    a.features.every((f, i) => f.name === b.features[i]!.name && f.type === b.features[i]!.type)
  );
}
