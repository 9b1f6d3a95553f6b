import type { EventPublisher } from '@mlops/messaging';
import { EmbeddedModelRegistryClient } from './embedded-model-registry.client.js';
import { HttpModelRegistryClient } from './http-model-registry.client.js';
import type { ModelRegistryClient } from './model-registry.client.js';

/** Default directory of the laptop registry (relative to the working directory). */
export const DEFAULT_LOCAL_REGISTRY_DIR = '.local/registry';

export interface RegistryFromEnvOptions {
  /** Who changes stages and aliases (the history's actor). */
  readonly actor?: string;
  /** Laptop mode only: the in-process bus the registry's events go to (see EmbeddedModelRegistryClient). */
  readonly events?: EventPublisher;
  /** Laptop mode only: events that could not be published. */
  readonly onWarning?: (message: string) => void;
}

/**
 * The registry the commands talk to: the registry service when `REGISTRY_URL` is set (e.g.
 * http://127.0.0.1:3005); else laptop mode, the same registry code embedded on a SQLite file in
 * `MLOPS_LOCAL_REGISTRY_DIR` (default `.local/registry`: `registry.sqlite` and `artifacts/`), which
 * needs no Kafka, PostgreSQL or Redis and connects to none.
 */
export function registryFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: RegistryFromEnvOptions = {},
): ModelRegistryClient {
  const url = env['REGISTRY_URL']?.trim();
  if (url) return new HttpModelRegistryClient(url, options.actor ? { actor: options.actor } : {});
  return new EmbeddedModelRegistryClient({
    directory: env['MLOPS_LOCAL_REGISTRY_DIR']?.trim() || DEFAULT_LOCAL_REGISTRY_DIR,
    ...options,
  });
}

/** Whether {@link registryFromEnv} gives the embedded (laptop) registry for this environment. */
export function isLaptopMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env['REGISTRY_URL']?.trim();
}
