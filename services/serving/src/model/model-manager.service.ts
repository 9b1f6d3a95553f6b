import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { PlatformConfig } from '@mlops/config';
import type { ModelPromotedPayload, ModelRolledBackPayload } from '@mlops/contracts';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import { PLATFORM_CONFIG } from '@mlops/service-kit';
import type { Gauge } from 'prom-client';
import { SERVING_OPTIONS, type ServingModuleOptions } from '../serving.options.js';
import { FileModelSource, HttpModelSource, type ModelSource } from './model-source.js';
import { ModelSlots, type Slot } from './model-slots.js';
import { acquireInferencePool, releaseInferencePool } from './inference-pool.js';
import { loadServedModel, type ServedModel } from './served-model.js';

/**
 * Owns the served models: loads the configured alias (and the challenger / shadow aliases when
 * canary / shadow are enabled) at boot, swaps a slot when a promotion names its alias, re-resolves
 * every slot on a rollback and every `model_refresh_interval_seconds` (the fallback when an event
 * is missed). A new version is loaded completely (session created, graph checked) before the one
 * assignment that makes requests see it; loads are serialized.
 */
@Injectable()
export class ModelManager implements OnModuleInit, OnApplicationShutdown {
  readonly slots: ModelSlots;
  readonly source: ModelSource;
  readonly aliases: Readonly<Record<Slot, string>>;
  private readonly enabled: readonly Slot[];
  private chain: Promise<unknown> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly versionGauge: Gauge<'slot' | 'model_name'>;
  private readonly swaps;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(SERVING_OPTIONS) private readonly options: ServingModuleOptions,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
  ) {
    const s = config.serving;
    this.aliases = Object.freeze({ champion: s.model_alias, challenger: s.canary.challenger_alias, shadow: s.shadow.alias });
    this.enabled = ['champion', ...(s.canary.enabled ? (['challenger'] as const) : []), ...(s.shadow.enabled ? (['shadow'] as const) : [])];
    this.slots = new ModelSlots(options.releaseDelayMs ?? 30_000);
    this.source = options.source ?? FileModelSource.fromEnv(process.env, this.aliases) ?? new HttpModelSource(config.registry.url);
    this.versionGauge = metrics.gauge({ name: 'serving_model_version', help: 'Model version served per slot (0: none)', labelNames: ['slot', 'model_name'] });
    this.swaps = metrics.counter({ name: 'serving_model_swaps_total', help: 'Model versions loaded into a slot, by outcome', labelNames: ['slot', 'outcome'] });
  }

  async onModuleInit(): Promise<void> {
    acquireInferencePool();
    try {
      await this.refresh();
    } catch (error) {
      this.logger.warn('no model loaded at boot; retrying on the refresh interval', { source: this.source.description, error: String(error) });
    }
    const every = this.config.serving.model_refresh_interval_seconds * 1000;
    this.refreshTimer = setInterval(() => void this.refresh().catch((e: unknown) => this.logger.warn('model refresh failed', { error: String(e) })), every);
    this.refreshTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.chain.catch(() => undefined);
    await this.slots.close();
    await releaseInferencePool();
  }

  /** Loads `alias` (exactly `version` when given) into `slot`, unless that version is already there. */
  load(slot: Slot, version?: number): Promise<ServedModel | undefined> {
    const run = async (): Promise<ServedModel | undefined> => {
      const name = this.config.serving.model_name;
      const alias = this.aliases[slot];
      const current = this.slots.snapshot[slot];
      const artifact = await this.source.load(name, alias, version);
      if (current !== undefined && current.metadata.version === artifact.metadata.version && current.metadata.name === artifact.metadata.name) return current;
      const started = performance.now();
      let model: ServedModel;
      try {
        model = await loadServedModel(artifact, this.options.explainers?.get(`${artifact.metadata.name}@${artifact.metadata.version}`) ?? artifact.explainer);
      } catch (error) {
        this.swaps.inc({ slot, outcome: 'failed' });
        throw error;
      }
      const old = this.slots.swap(slot, model);
      this.swaps.inc({ slot, outcome: 'swapped' });
      this.versionGauge.set({ slot, model_name: name }, model.metadata.version);
      this.logger.info('model swapped', { slot, alias, modelName: name, modelVersion: model.metadata.version, previousVersion: old?.metadata.version ?? null, loadMs: Math.round(performance.now() - started) });
      return model;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Re-resolves every enabled slot from the source (boot, rollback, periodic fallback). */
  async refresh(): Promise<void> {
    const errors: unknown[] = [];
    for (const slot of this.enabled) await this.load(slot).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }

  /**
   * A promotion of the served model: the slots whose alias the event sets re-resolve that alias
   * (normally to the event's version; to the current one when events are replayed, so a replay is a
   * no-op). A promotion to Production without an alias re-resolves the champion alias (the registry
   * may move it with the stage). Other models are ignored.
   *
   * The reload runs in the background ({@link requestReload}): the consumer is never held by a slow
   * or unreachable registry (a blocked handler would delay the ping answers and every later event).
   * @returns the slots that will reload.
   */
  onPromoted(p: ModelPromotedPayload): Slot[] {
    if (p.modelName !== this.config.serving.model_name) return [];
    let slots = this.enabled.filter((s) => this.aliases[s] === p.alias);
    if (slots.length === 0 && p.alias === undefined && p.toStage === 'Production') slots = ['champion'];
    for (const s of slots) this.requestReload(s);
    return slots;
  }

  /** A rollback of the served model: every slot re-resolves its alias (in the background). */
  onRolledBack(p: ModelRolledBackPayload): Slot[] {
    if (p.modelName !== this.config.serving.model_name) return [];
    for (const s of this.enabled) this.requestReload(s);
    return [...this.enabled];
  }

  private readonly reloading = new Set<Slot>();

  /**
   * Re-resolves `slot` in the background; requests while one is queued coalesce into it. A failure
   * is retried 5 times, 1, 2, 4, 8, 16 s apart, then left to the periodic refresh.
   */
  requestReload(slot: Slot, attempt = 0): void {
    if (attempt === 0 && this.reloading.has(slot)) return;
    this.reloading.add(slot);
    this.load(slot).then(
      () => this.reloading.delete(slot),
      (error: unknown) => {
        this.reloading.delete(slot);
        if (attempt >= 5) {
          this.logger.warn('model reload failed; the periodic refresh will retry', { slot, alias: this.aliases[slot], error: String(error) });
          return;
        }
        this.logger.warn('model reload failed; retrying', { slot, alias: this.aliases[slot], attempt: attempt + 1, error: String(error) });
        this.reloading.add(slot);
        setTimeout(() => this.requestReload(slot, attempt + 1), 1000 * 2 ** attempt).unref();
      },
    );
  }
}
