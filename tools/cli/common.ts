import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfig, type PlatformConfig } from '@mlops/config';
import type { GateLimits } from '@mlops/training';

/** Loads the platform config whose base file is `configPath` (`<dir>/config.yaml`, plus `<dir>/<MLOPS_ENV>.yaml`). */
export function loadConfigFrom(configPath: string): PlatformConfig {
  const path = resolve(configPath);
  if (!existsSync(path))
    throw new CliError(`--config-path ${configPath}: no such file (the base config is config/config.yaml)`);
  if (basename(path) !== 'config.yaml')
    throw new CliError(
      `--config-path ${configPath}: expected the base file config.yaml of a config directory (environment overlays sit beside it)`,
    );
  return loadConfig({ configDir: dirname(path) });
}

/** The gate's settings from the config's `model_validation` and `training.thresholds`. */
export function gateSettings(config: PlatformConfig): {
  thresholds: Record<string, number>;
  blocking: string[];
  advisory: string[];
  limits: GateLimits;
} {
  const mv = config.model_validation;
  return {
    thresholds: { ...config.training.thresholds },
    blocking: [...mv.blocking],
    advisory: [...mv.advisory],
    limits: {
      maxModelSizeMb: mv.max_model_size_mb,
      maxP99LatencyMs: mv.max_p99_latency_ms,
      maxMemoryMb: mv.max_memory_mb,
    },
  };
}

/** A user error: printed without a stack, exit code 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function parseRatio(v: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 1)) throw new CliError(`--sample-ratio must be a number in (0, 1], got ${v}`);
  return x;
}

export function parseNonNegativeInt(name: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0) throw new CliError(`${name} must be an integer >= 0, got ${v}`);
    return x;
  };
}

export function stamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
