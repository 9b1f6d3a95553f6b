import { Dataset, type FittedFeatures, toCategory, toNumber } from '@mlops/ml';
import { FeatureStoreError, FeatureStoreErrorCode } from './feature-store.error.js';
import type { FeatureStore, WriteRow, WriteSummary } from './feature-store.js';
import type { FeatureView, OnlineFeature } from './feature-view.js';
import type { FeatureValue } from './value-codec.js';

/** A raw input column and its storage type (as `describePipeline(...).rawColumns` or a dataset schema gives it). */
export interface RawColumn {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
}

/**
 * The customer feature view: the raw input columns (numeric -> number, categorical -> string)
 * followed by the derived features of `fitted` (bins -> string label, others -> number). A derived
 * feature with a raw column's name replaces it, as `FittedFeatures.apply` does.
 */
export function customerFeatureView(name: string, rawColumns: readonly RawColumn[], fitted: FittedFeatures): FeatureView {
  const derived = new Map<string, OnlineFeature>();
  for (const f of fitted.spec.features) derived.set(f.name, { name: f.name, type: f.kind === 'bins' ? 'string' : 'number' });
  const features: OnlineFeature[] = rawColumns
    .filter((c) => !derived.has(c.name))
    .map((c) => ({ name: c.name, type: c.type === 'numeric' ? 'number' : 'string' }));
  features.push(...derived.values());
  return { name, features };
}

/**
 * {@link customerFeatureView} over a dataset's feature columns (role numeric or categorical; the
 * id and the target are not features and are not stored).
 */
export function customerFeatureViewFromDataset(name: string, ds: Dataset, fitted: FittedFeatures): FeatureView {
  const raw = ds.schema.filter((c) => c.role === 'numeric' || c.role === 'categorical').map((c) => ({ name: c.name, type: c.type }));
  return customerFeatureView(name, raw, fitted);
}

export interface MaterializeOptions {
  /** The view written (default: the store's default view); it must be registered. */
  readonly featureView?: string;
  /** Event time of the rows (the ingestion's time), epoch ms or Date. */
  readonly eventTime: number | Date;
  /** Expiry of each customer hash (default: the store's). */
  readonly ttlSeconds?: number | null;
  /** Column holding the entity id (default `customer_id`). */
  readonly idColumn?: string;
  /** EVALSHA calls per pipeline (default 1000). */
  readonly chunkSize?: number;
}

export interface MaterializeSummary extends WriteSummary {
  readonly rows: number;
  readonly seconds: number;
}

type RawRecord = Readonly<Record<string, unknown>>;

/**
 * Writes every customer's raw feature columns plus the derived features computed by
 * `fitted.applyRecord` (the code training uses through `fitted.apply`) into the store, pipelined.
 *
 * Values are normalized the way `Preprocessor.transformRecord` reads them: number features with
 * ml's `toNumber` (numeric strings accepted, '' / null / NaN missing), string features with
 * `toCategory` (numbers become their string, '' missing). Columns outside the view (the id, the
 * target) are not stored.
 *
 * @throws FeatureStoreError naming the row with a missing id or a value that does not convert.
 */
export async function materializeCustomers(
  store: FeatureStore,
  source: Dataset | readonly RawRecord[],
  fitted: FittedFeatures,
  options: MaterializeOptions,
): Promise<MaterializeSummary> {
  const started = process.hrtime.bigint();
  const view = store.getView(options.featureView);
  const idColumn = options.idColumn ?? 'customer_id';
  const n = source instanceof Dataset ? source.rowCount : source.length;
  const rows: WriteRow[] = new Array<WriteRow>(n);
  for (let r = 0; r < n; r++) {
    const record: RawRecord = source instanceof Dataset ? source.record(r) : source[r]!;
    const id = record[idColumn];
    if (typeof id !== 'string' || id === '') {
      throw new FeatureStoreError(
        FeatureStoreErrorCode.InvalidArgument,
        `row ${r}: the id column '${idColumn}' must be a non-empty string, got ${JSON.stringify(id)}; pass options.idColumn if the id is elsewhere`,
      );
    }
    let withDerived: RawRecord;
    try {
      withDerived = fitted.applyRecord(record as Parameters<FittedFeatures['applyRecord']>[0]);
    } catch (error) {
      throw new FeatureStoreError(FeatureStoreErrorCode.InvalidValue, `row ${r} (customer ${id}): ${(error as Error).message}`);
    }
    rows[r] = {
      customerId: id,
      features: normalize(view, withDerived, r),
      ...(options.featureView !== undefined ? { featureView: options.featureView } : {}),
      eventTime: options.eventTime,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    };
  }
  const summary = await store.storeMany(rows, options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {});
  return { ...summary, rows: n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The view's features of a record, converted to their declared types. */
function normalize(view: FeatureView, record: RawRecord, row: number): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  for (const f of view.features) {
    const raw = record[f.name];
    if (f.type === 'number') {
      const v = toNumber(raw, f.name, row);
      out[f.name] = Number.isNaN(v) ? null : v;
    } else out[f.name] = toCategory(raw, f.name, row);
  }
  return out;
}

export interface ServingReadOptions {
  /** View to read (default: the store's default view). */
  readonly featureView?: string;
  /**
   * Recompute the derived features from the stored raw columns with these fitted features (the
   * serving model's own, when it was fitted after the materialization). Default: the stored ones.
   */
  readonly recompute?: FittedFeatures;
}

const refsCache = new WeakMap<FeatureStore, Map<string, readonly string[]>>();

/** `view:feature` refs of a view, one array per store and view (reads then hit the plan cache by identity). */
function viewRefs(store: FeatureStore, viewName: string | undefined): readonly string[] {
  let byView = refsCache.get(store);
  if (byView === undefined) refsCache.set(store, (byView = new Map()));
  const view = store.getView(viewName);
  let refs = byView.get(view.name);
  if (refs === undefined) byView.set(view.name, (refs = view.features.map((f) => `${view.name}:${f.name}`)));
  return refs;
}

/**
 * A customer's record for the serving pipeline (`Preprocessor.transformRecord`): every feature of
 * the view by its column name, missing values as null. Null when the customer has no row of the
 * view (never materialized, or expired).
 */
export async function getServingRecord(
  store: FeatureStore,
  customerId: string,
  options: ServingReadOptions = {},
): Promise<Record<string, FeatureValue> | null> {
  const row = await store.getFeatures(customerId, viewRefs(store, options.featureView));
  if (!row.found) return null;
  return options.recompute === undefined ? row.values : (options.recompute.applyRecord(row.values) as Record<string, FeatureValue>);
}

/** {@link getServingRecord} for many customers in one round trip; null entries for the ones not found. */
export async function getServingRecords(
  store: FeatureStore,
  customerIds: readonly string[],
  options: ServingReadOptions = {},
): Promise<(Record<string, FeatureValue> | null)[]> {
  const res = await store.getOnlineFeatures({
    features: viewRefs(store, options.featureView),
    entityRows: customerIds.map((customerId) => ({ customerId })),
  });
  return res.rows.map((row) => {
    if (!row.found) return null;
    return options.recompute === undefined ? row.values : (options.recompute.applyRecord(row.values) as Record<string, FeatureValue>);
  });
}
