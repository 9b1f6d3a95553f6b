import type { PlatformConfig } from '@mlops/config';
import type { DriftOptions, DriftTestConfig } from '@mlops/drift';

/** What the drift service compares with, from config `drift` (and `validation.fail_pipeline_on_failure`). */
export interface DriftSettings {
  /** libs/drift options: Evidently's defaults as configured (columns are chosen per check). */
  readonly options: Omit<DriftOptions, 'columns'>;
  /** `drift.live_window.max_rows`: most recent served inputs compared in a window check. */
  readonly liveWindowMaxRows: number;
  /** A dataset that failed validation is not compared (and never becomes the reference). */
  readonly skipFailedDatasets: boolean;
}
export const DRIFT_SETTINGS = Symbol('DriftSettings');

/** Maps the `drift` config section to {@link DriftSettings}. */
export function driftSettingsFromConfig(config: PlatformConfig): DriftSettings {
  const d = config.drift;
  const t = (x: { method: string; threshold: number }): DriftTestConfig => ({
    test: x.method,
    threshold: x.threshold,
  });
  const columnTests: Record<string, DriftTestConfig> = {};
  for (const [column, test] of Object.entries(d.column_overrides)) columnTests[column] = t(test);
  return {
    options: {
      smallReferenceMaxRows: d.small_reference_max_rows,
      numericMaxCategoricalUnique: d.numeric_min_unique,
      driftShare: d.dataset_drift_share,
      defaults: {
        numericSmall: t(d.tests.numeric_small),
        categoricalSmall: t(d.tests.categorical_small),
        binarySmall: t(d.tests.binary_small),
        numericLarge: t(d.tests.numeric_large),
        categoricalLarge: t(d.tests.categorical_large),
      },
      columnTests,
    },
    liveWindowMaxRows: d.live_window.max_rows,
    skipFailedDatasets: config.validation.fail_pipeline_on_failure,
  };
}
