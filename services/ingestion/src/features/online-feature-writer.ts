import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { PlatformConfig } from '@mlops/config';
import { FeatureStore, customerFeatureView, materializeCustomers, recordFeatures, type FeatureView, type WriteSummary } from '@mlops/feature-store';
import { TELCO_FEATURES, type FittedFeatures } from '@mlops/ml';
import { PLATFORM_CONFIG, REDIS } from '@mlops/service-kit';

/** A customer's raw record as ingestion stores it: column -> number, string or null. */
export type IngestedRecord = Readonly<Record<string, string | number | null>>;

/** Writes customers' online features. The service's one is {@link RedisOnlineFeatureWriter}. */
export abstract class OnlineFeatureWriter {
  /** The feature view written (`features.online_store.feature_view`). */
  abstract readonly view: FeatureView;
  /**
   * Writes the features of `records` (one row per customer of the view) with `eventTime` as the
   * rows' event time: a customer whose stored row is newer is left as it is (counted `stale`).
   * @throws when the store cannot be reached; rows written before the failure stay written.
   */
  abstract write(records: readonly IngestedRecord[], eventTime: Date): Promise<WriteSummary>;
}

/**
 * The online feature store of `features.online_store` on the service's Redis (libs/feature-store,
 * Feast layout: hash `<key_prefix><customer_id>`, field `<view>:<feature>`, `_ts:<view>`, TTL
 * `ttl_seconds`). The view holds the raw feature columns of config `data` and the derived features
 * that are functions of the record alone, computed by the training feature code (TELCO_FEATURES,
 * `FittedFeatures.applyRecord`); `is_high_risk`, which compares with a training-split median, is
 * left to each model version (see `recordFeatures`). Writes are pipelined, 1,000 per round trip.
 */
@Injectable()
export class RedisOnlineFeatureWriter extends OnlineFeatureWriter {
  readonly view: FeatureView;
  private readonly store: FeatureStore;
  private readonly features: FittedFeatures;
  private readonly idColumn: string;

  constructor(@Inject(REDIS) redis: Redis, @Inject(PLATFORM_CONFIG) config: PlatformConfig) {
    super();
    const { fitted } = recordFeatures(TELCO_FEATURES);
    const raw = [
      ...config.data.numeric_features.map((name) => ({ name, type: 'numeric' as const })),
      ...config.data.categorical_features.map((name) => ({ name, type: 'categorical' as const })),
    ];
    this.view = customerFeatureView(config.features.online_store.feature_view, raw, fitted);
    this.store = FeatureStore.fromConfig(redis, config.features.online_store, [this.view]);
    this.features = fitted;
    this.idColumn = config.data.id_column;
  }

  async write(records: readonly IngestedRecord[], eventTime: Date): Promise<WriteSummary> {
    if (records.length === 0) return { applied: 0, stale: 0 };
    const s = await materializeCustomers(this.store, records, this.features, { eventTime, idColumn: this.idColumn });
    return { applied: s.applied, stale: s.stale };
  }
}
