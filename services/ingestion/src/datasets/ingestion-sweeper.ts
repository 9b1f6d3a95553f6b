import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JsonLogger } from '@mlops/observability';
import { INGESTION_SETTINGS, type IngestionSettings } from '../settings/ingestion-settings.js';
import { DatasetsService } from './datasets.service.js';

/**
 * Every `INGESTION_SWEEP_INTERVAL_MS`: closes stream windows whose UTC day ended, re-sends
 * unacknowledged data-ingested events and retries online features not written yet.
 */
@Injectable()
export class IngestionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(DatasetsService) private readonly datasets: DatasetsService,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.datasets
        .sweep()
        .then(
          (r) => {
            if (r.closed + r.published + r.featureDatasets + r.featureRecords > 0) this.logger.info('ingestion sweep', r);
          },
          (error: unknown) => this.logger.warn('ingestion sweep failed', { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }
}
