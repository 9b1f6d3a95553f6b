import type { Redis } from 'ioredis';
import type { PlatformConfig } from '@mlops/config';
import { FeatureStoreError, FeatureStoreErrorCode } from './feature-store.error.js';
import { type CompiledView, type FeatureView, compileView, sameView } from './feature-view.js';
import { type FeatureValue, type FeatureValueType, decodeValue, encodeValue } from './value-codec.js';
import { WRITE_SCRIPT, WRITE_SCRIPT_SHA, isNoScript } from './write-script.js';

/** The `features.online_store` section of the platform config. */
export type OnlineStoreConfig = PlatformConfig['features']['online_store'];

export interface FeatureStoreOptions {
  /** Hash key = keyPrefix + entity id, e.g. `mlops:features:customer:` + `0001-AAAA`. */
  readonly keyPrefix: string;
  /** The feature views this store reads and writes (more with {@link FeatureStore.registerView}). */
  readonly views?: readonly FeatureView[];
  /** View written when a write names none. */
  readonly defaultView?: string;
  /** TTL (seconds) set on the hash by a write that gives none; null/absent = no expiry. */
  readonly defaultTtlSeconds?: number | null;
}

export interface WriteOptions {
  /** Feature view of the row (default: the store's default view). */
  readonly featureView?: string;
  /** Event time of the row: epoch milliseconds or a Date. An older write never replaces a newer row. */
  readonly eventTime: number | Date;
  /** Expiry of the whole entity hash, refreshed by every applied write; null = leave it; default: the store's. */
  readonly ttlSeconds?: number | null;
}

/** One row of {@link FeatureStore.storeMany}. */
export interface WriteRow extends WriteOptions {
  readonly customerId: string;
  readonly features: Readonly<Record<string, unknown>>;
}

/** Outcome of a bulk write. */
export interface WriteSummary {
  /** Rows written. */
  readonly applied: number;
  /** Rows ignored because the stored row of their view is newer. */
  readonly stale: number;
}

/**
 * Per feature, like Feast's FieldStatus: `present`; `null` when the view's row exists but this
 * feature is missing in it; `not_found` when the entity has no row of the feature's view (never
 * written, or the hash expired).
 */
export type FeatureStatus = 'present' | 'null' | 'not_found';

/** The features of one entity. Keys are the feature names (`view:feature` with fullFeatureNames). */
export interface FeatureRow {
  readonly customerId: string;
  /** False when no requested view has a row for this entity: nothing to serve. */
  readonly found: boolean;
  readonly values: Record<string, FeatureValue>;
  readonly statuses: Record<string, FeatureStatus>;
  /** Event time (epoch ms) of each requested view's row, null when it has none. */
  readonly eventTimes: Record<string, number | null>;
}

export interface GetOnlineFeaturesRequest {
  /** Feature references `view:feature`; default every feature of every registered view. */
  readonly features?: readonly string[];
  readonly entityRows: readonly { readonly customerId: string }[];
  /** Key the values by `view:feature` instead of the bare feature name (needed when names clash). */
  readonly fullFeatureNames?: boolean;
}

export interface OnlineFeaturesResponse {
  /** Output keys, in request order. */
  readonly featureNames: readonly string[];
  /** One row per entity row, in request order. */
  readonly rows: readonly FeatureRow[];
}

/** What a read fetches: the feature fields, then one timestamp field per view. */
interface ReadPlan {
  readonly names: readonly string[];
  readonly types: readonly FeatureValueType[];
  /** Index into `views` of each feature's view. */
  readonly viewOf: Int32Array;
  readonly views: readonly string[];
  /** HMGET arguments: feature fields then `_ts:<view>` fields. */
  readonly fields: readonly string[];
}

const MAX_CACHED_PLANS = 64;

/**
 * An online feature store on Redis in Feast's layout: one hash per entity
 * (`<keyPrefix><customerId>`), one field per feature (`<view>:<feature>`) and one timestamp field
 * per feature view (`_ts:<view>`, epoch ms). Numbers are stored as their shortest round-trip
 * decimal string (bitwise exact), strings as they are, missing values as absent fields.
 *
 * Writes go through one Lua script (EVALSHA, SCRIPT LOAD on NOSCRIPT) that compares the view's
 * stored event time, so a late, older write never replaces a newer row, also under concurrency.
 */
export class FeatureStore {
  private readonly views = new Map<string, CompiledView>();
  private readonly plans = new Map<string, ReadPlan>();
  /** Plans by the identity of the refs array (short names / full names): no key building per call. */
  private plansByRefs: readonly [WeakMap<readonly string[], ReadPlan>, WeakMap<readonly string[], ReadPlan>] = [new WeakMap<readonly string[], ReadPlan>(), new WeakMap<readonly string[], ReadPlan>()];
  private readonly keyPrefix: string;
  private readonly defaultView: string | undefined;
  private readonly defaultTtl: number | null;
  private scriptLoad: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    options: FeatureStoreOptions,
  ) {
    if (typeof options.keyPrefix !== 'string' || options.keyPrefix === '') {
      throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, 'keyPrefix must be a non-empty string, e.g. "mlops:features:customer:"');
    }
    this.keyPrefix = options.keyPrefix;
    this.defaultView = options.defaultView;
    this.defaultTtl = checkTtl(options.defaultTtlSeconds ?? null, 'defaultTtlSeconds');
    for (const v of options.views ?? []) this.registerView(v);
  }

  /**
   * A store configured by `features.online_store` (key prefix, TTL, default view name), serving
   * `views` (one of them usually named `section.feature_view`).
   */
  static fromConfig(redis: Redis, section: OnlineStoreConfig, views: readonly FeatureView[] = []): FeatureStore {
    return new FeatureStore(redis, {
      keyPrefix: section.key_prefix,
      views,
      defaultView: section.feature_view,
      defaultTtlSeconds: section.ttl_seconds,
    });
  }

  /**
   * Adds a view. Registering the same definition again is a no-op.
   * @throws FeatureStoreError (INVALID_VIEW) for a malformed view or another definition under the same name.
   */
  registerView(view: FeatureView): void {
    const compiled = compileView(view);
    const known = this.views.get(view.name);
    if (known !== undefined) {
      if (sameView(known, compiled)) return;
      throw new FeatureStoreError(
        FeatureStoreErrorCode.InvalidView,
        `feature view '${view.name}' is already registered with other features; give the new definition a new name (e.g. a _v2 suffix)`,
      );
    }
    this.views.set(view.name, compiled);
    this.clearPlans();
  }

  /** The registered views. */
  get featureViews(): readonly FeatureView[] {
    return [...this.views.values()].map((v) => ({ name: v.name, features: v.features }));
  }

  /**
   * A registered view by name (default: the store's default view).
   * @throws FeatureStoreError (UNKNOWN_VIEW) when it is not registered.
   */
  getView(name?: string): FeatureView {
    const v = this.view(name);
    return { name: v.name, features: v.features };
  }

  /** Redis key of an entity's hash. */
  keyOf(customerId: string): string {
    checkId(customerId);
    return this.keyPrefix + customerId;
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Writes one row of a feature view for a customer: the given features are set, the view's
   * features that are missing (null, undefined, NaN, or not given) are deleted, `_ts:<view>` is
   * set to the event time, and the hash's TTL is refreshed. Nothing happens when the stored row
   * of the view has a strictly newer event time.
   *
   * @returns true when written, false when ignored as older.
   * @throws FeatureStoreError for an unknown view or feature, a value of the wrong type, a bad event time or TTL.
   */
  async storeFeatures(customerId: string, features: Readonly<Record<string, unknown>>, options: WriteOptions): Promise<boolean> {
    const key = this.keyOf(customerId);
    const args = this.writeArgs(features, options);
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(WRITE_SCRIPT_SHA, 1, key, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      await this.loadScript();
      reply = await this.redis.evalsha(WRITE_SCRIPT_SHA, 1, key, ...args);
    }
    return writeReply(reply);
  }

  /**
   * Writes many rows in pipelines of `chunkSize` EVALSHA calls (one round trip each), for bulk
   * materialization. Each row is checked before anything is sent; rows are applied in order and
   * each keeps the newer-wins rule.
   *
   * @throws FeatureStoreError naming the first bad row; Redis errors other than NOSCRIPT are rethrown.
   */
  async storeMany(rows: readonly WriteRow[], options: { readonly chunkSize?: number } = {}): Promise<WriteSummary> {
    const chunkSize = options.chunkSize ?? 1000;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, `chunkSize must be a positive integer, got ${chunkSize}`);
    }
    const encoded: [string, (string | number)[]][] = rows.map((r, i) => {
      try {
        return [this.keyOf(r.customerId), this.writeArgs(r.features, r)];
      } catch (error) {
        if (error instanceof FeatureStoreError) throw new FeatureStoreError(error.code, `row ${i} (customer ${JSON.stringify(r.customerId)}): ${error.message}`);
        throw error;
      }
    });
    let applied = 0;
    let stale = 0;
    for (let start = 0; start < encoded.length; start += chunkSize) {
      let pending = encoded.slice(start, start + chunkSize);
      for (let attempt = 0; pending.length > 0; attempt++) {
        const pipeline = this.redis.pipeline();
        for (const [key, args] of pending) pipeline.evalsha(WRITE_SCRIPT_SHA, 1, key, ...args);
        const results = (await pipeline.exec()) ?? [];
        const retry: typeof pending = [];
        results.forEach(([error, reply], i) => {
          if (error) {
            if (isNoScript(error) && attempt === 0) retry.push(pending[i]!);
            else throw error;
          } else if (writeReply(reply)) applied++;
          else stale++;
        });
        if (retry.length > 0) await this.loadScript();
        pending = retry;
      }
    }
    return { applied, stale };
  }

  /** Deletes everything stored for a customer (every view). @returns true when there was something. */
  async deleteCustomer(customerId: string): Promise<boolean> {
    return (await this.redis.del(this.keyOf(customerId))) > 0;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /**
   * The features of one customer (one HMGET). `featureRefs` are `view:feature` strings; default
   * every feature of every registered view.
   */
  async getFeatures(customerId: string, featureRefs?: readonly string[], options: { readonly fullFeatureNames?: boolean } = {}): Promise<FeatureRow> {
    const plan = this.plan(featureRefs, options.fullFeatureNames ?? false);
    const raw = await this.redis.hmget(this.keyOf(customerId), ...plan.fields);
    return decodeRow(plan, customerId, raw);
  }

  /**
   * Feast's `get_online_features(features=[...], entity_rows=[{customer_id}])`: one pipelined
   * HMGET per entity row, one round trip in all.
   */
  async getOnlineFeatures(request: GetOnlineFeaturesRequest): Promise<OnlineFeaturesResponse> {
    const plan = this.plan(request.features, request.fullFeatureNames ?? false);
    if (request.entityRows.length === 0) return { featureNames: plan.names, rows: [] };
    const pipeline = this.redis.pipeline();
    for (const row of request.entityRows) pipeline.hmget(this.keyOf(row.customerId), ...plan.fields);
    const results = (await pipeline.exec()) ?? [];
    const rows = results.map(([error, reply], i) => {
      if (error) throw error;
      if (!Array.isArray(reply)) throw new FeatureStoreError(FeatureStoreErrorCode.Redis, `HMGET answered ${typeof reply}, expected an array`);
      return decodeRow(plan, request.entityRows[i]!.customerId, reply as (string | null)[]);
    });
    return { featureNames: plan.names, rows };
  }

  // ---- internals ------------------------------------------------------------------------------

  private view(name: string | undefined): CompiledView {
    const viewName = name ?? this.defaultView;
    if (viewName === undefined) {
      throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, 'no featureView given and the store has no default view; pass options.featureView');
    }
    const view = this.views.get(viewName);
    if (view === undefined) {
      throw new FeatureStoreError(
        FeatureStoreErrorCode.UnknownView,
        `feature view '${viewName}' is not registered (known: ${[...this.views.keys()].join(', ') || 'none'}); register it with registerView() first`,
      );
    }
    return view;
  }

  /** ARGV of the write script (see WRITE_SCRIPT). */
  private writeArgs(features: Readonly<Record<string, unknown>>, options: WriteOptions): (string | number)[] {
    const view = this.view(options.featureView);
    const eventMs = checkEventTime(options.eventTime);
    const ttl = options.ttlSeconds === undefined ? this.defaultTtl : checkTtl(options.ttlSeconds, 'ttlSeconds');
    if (features === null || typeof features !== 'object') {
      throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, `features must be an object of feature name -> value, got ${features === null ? 'null' : typeof features}`);
    }
    for (const name of Object.keys(features)) {
      if (!view.index.has(name)) {
        throw new FeatureStoreError(
          FeatureStoreErrorCode.UnknownFeature,
          `feature '${name}' is not in feature view '${view.name}'; drop it or add it to the view (features: ${view.features.map((f) => f.name).join(', ')})`,
        );
      }
    }
    const sets: string[] = [];
    const dels: string[] = [];
    view.features.forEach((f, i) => {
      const encoded = encodeValue(features[f.name], f.type, f.name);
      if (encoded === null) dels.push(view.fields[i]!);
      else sets.push(view.fields[i]!, encoded);
    });
    return [view.tsField, eventMs, ttl ?? 0, sets.length / 2, ...sets, ...dels];
  }

  /** SCRIPT LOAD once at a time; checks that Redis names the script as we do. */
  private loadScript(): Promise<void> {
    this.scriptLoad ??= (async () => {
      try {
        const sha = await this.redis.script('LOAD', WRITE_SCRIPT);
        if (sha !== WRITE_SCRIPT_SHA) {
          throw new FeatureStoreError(FeatureStoreErrorCode.Redis, `SCRIPT LOAD returned ${String(sha)}, expected ${WRITE_SCRIPT_SHA}`);
        }
      } finally {
        this.scriptLoad = null;
      }
    })();
    return this.scriptLoad;
  }

  private clearPlans(): void {
    this.plans.clear();
    this.plansByRefs = [new WeakMap(), new WeakMap()];
  }

  private plan(refs: readonly string[] | undefined, fullNames: boolean): ReadPlan {
    const byRefs = refs === undefined ? undefined : this.plansByRefs[fullNames ? 1 : 0].get(refs);
    if (byRefs !== undefined) return byRefs;
    const plan = this.buildPlan(refs, fullNames);
    if (refs !== undefined) this.plansByRefs[fullNames ? 1 : 0].set(refs, plan);
    return plan;
  }

  private buildPlan(refs: readonly string[] | undefined, fullNames: boolean): ReadPlan {
    const cacheKey = `${fullNames ? 'F' : 'S'}\n${refs === undefined ? '*' : refs.join('\n')}`;
    const cached = this.plans.get(cacheKey);
    if (cached !== undefined) return cached;
    const resolved: { view: CompiledView; feature: number }[] = [];
    if (refs === undefined) {
      for (const view of this.views.values()) view.features.forEach((_, feature) => resolved.push({ view, feature }));
      if (resolved.length === 0) throw new FeatureStoreError(FeatureStoreErrorCode.UnknownView, 'no feature view is registered; register one with registerView()');
    } else {
      if (refs.length === 0) throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, 'features is empty; give at least one `view:feature` reference or omit it for all');
      for (const ref of refs) {
        const colon = typeof ref === 'string' ? ref.indexOf(':') : -1;
        if (colon <= 0) throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, `feature reference ${JSON.stringify(ref)} must be 'view:feature'`);
        const view = this.view(ref.slice(0, colon));
        const feature = view.index.get(ref.slice(colon + 1));
        if (feature === undefined) {
          throw new FeatureStoreError(FeatureStoreErrorCode.UnknownFeature, `feature reference '${ref}': view '${view.name}' has no feature '${ref.slice(colon + 1)}'`);
        }
        resolved.push({ view, feature });
      }
    }
    const names: string[] = [];
    const seen = new Set<string>();
    const views: string[] = [];
    const viewOf = new Int32Array(resolved.length);
    const fields: string[] = [];
    const tsFields: string[] = [];
    resolved.forEach(({ view, feature }, i) => {
      const name = fullNames ? view.fields[feature]! : view.features[feature]!.name;
      if (seen.has(name)) {
        throw new FeatureStoreError(
          FeatureStoreErrorCode.InvalidArgument,
          `feature '${name}' is requested twice${fullNames ? '' : ' (or two views share the name); pass fullFeatureNames: true'}`,
        );
      }
      seen.add(name);
      names.push(name);
      let v = views.indexOf(view.name);
      if (v < 0) {
        v = views.push(view.name) - 1;
        tsFields.push(view.tsField);
      }
      viewOf[i] = v;
      fields.push(view.fields[feature]!);
    });
    const plan: ReadPlan = {
      names,
      types: resolved.map(({ view, feature }) => view.features[feature]!.type),
      viewOf,
      views,
      fields: [...fields, ...tsFields],
    };
    if (this.plans.size >= MAX_CACHED_PLANS) this.plans.clear();
    this.plans.set(cacheKey, plan);
    return plan;
  }
}

function decodeRow(plan: ReadPlan, customerId: string, raw: readonly (string | null)[]): FeatureRow {
  const nFeatures = plan.names.length;
  const eventTimes: Record<string, number | null> = {};
  let found = false;
  for (let v = 0; v < plan.views.length; v++) {
    const ts = raw[nFeatures + v] ?? null;
    if (ts !== null) found = true;
    eventTimes[plan.views[v]!] = ts === null ? null : Number(ts);
  }
  const values: Record<string, FeatureValue> = {};
  const statuses: Record<string, FeatureStatus> = {};
  for (let i = 0; i < nFeatures; i++) {
    const name = plan.names[i]!;
    const value = raw[i] ?? null;
    values[name] = decodeValue(value, plan.types[i]!);
    statuses[name] = value !== null ? 'present' : raw[nFeatures + plan.viewOf[i]!] != null ? 'null' : 'not_found';
  }
  return { customerId, found, values, statuses, eventTimes };
}

function writeReply(reply: unknown): boolean {
  if (reply === 1) return true;
  if (reply === 0) return false;
  throw new FeatureStoreError(FeatureStoreErrorCode.Redis, `the write script answered ${JSON.stringify(reply)}, expected 0 or 1`);
}

function checkId(customerId: string): void {
  if (typeof customerId !== 'string' || customerId === '') {
    throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, `customerId must be a non-empty string, got ${JSON.stringify(customerId)}`);
  }
}

function checkEventTime(t: number | Date): number {
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new FeatureStoreError(
      FeatureStoreErrorCode.InvalidArgument,
      `eventTime must be a valid Date or whole epoch milliseconds >= 0, got ${t instanceof Date ? 'an invalid Date' : JSON.stringify(t)}`,
    );
  }
  return ms;
}

function checkTtl(ttl: number | null, name: string): number | null {
  if (ttl === null) return null;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new FeatureStoreError(FeatureStoreErrorCode.InvalidArgument, `${name} must be a positive whole number of seconds or null (no expiry), got ${JSON.stringify(ttl)}`);
  }
  return ttl;
}
