import { FeatureStore, type OnlineStoreConfig } from '@mlops/feature-store';
import type { Redis } from 'ioredis';
import type { InputColumn } from '../model/model-metadata.js';
import type { ServingRow } from '../model/explainer.js';

/** Reads the raw columns of customers for a model (null for a customer the store does not hold). */
export interface CustomerFeatureReader {
  read(customerIds: readonly string[], columns: readonly InputColumn[]): Promise<(ServingRow | null)[]>;
}

/**
 * The online feature store (libs/feature-store, Redis hash per customer): reads the model's raw
 * columns from the configured view (`features.online_store.feature_view`), one pipelined round trip
 * per request. The ONNX pipeline recomputes the derived features from them, with the code training
 * used (no training/serving skew). One `FeatureStore` per column set, as a model swap can change them.
 */
export class RedisCustomerFeatureReader implements CustomerFeatureReader {
  private readonly stores = new WeakMap<readonly InputColumn[], { store: FeatureStore; refs: string[] }>();

  constructor(
    private readonly redis: Redis,
    private readonly section: OnlineStoreConfig,
  ) {}

  async read(customerIds: readonly string[], columns: readonly InputColumn[]): Promise<(ServingRow | null)[]> {
    let entry = this.stores.get(columns);
    if (entry === undefined) {
      const view = { name: this.section.feature_view, features: columns.map((c) => ({ name: c.name, type: c.type })) };
      const store = FeatureStore.fromConfig(this.redis, this.section, [view]);
      entry = { store, refs: columns.map((c) => `${view.name}:${c.name}`) };
      this.stores.set(columns, entry);
    }
    if (customerIds.length === 1) {
      const row = await entry.store.getFeatures(customerIds[0]!, entry.refs);
      return [row.found ? (row.values as ServingRow) : null];
    }
    const res = await entry.store.getOnlineFeatures({ features: entry.refs, entityRows: customerIds.map((customerId) => ({ customerId })) });
    return res.rows.map((r) => (r.found ? (r.values as ServingRow) : null));
  }
}
