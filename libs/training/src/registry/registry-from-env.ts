import { HttpModelRegistryClient } from './http-model-registry.client.js';
import { LocalModelRegistryClient } from './local-model-registry.client.js';
import type { ModelRegistryClient } from './model-registry.client.js';

/** Default directory of the file-based registry (relative to the working directory). */
export const DEFAULT_LOCAL_REGISTRY_DIR = '.local/registry';

/**
 * The registry the commands talk to: the registry service when `REGISTRY_URL` is set (e.g.
 * http://127.0.0.1:3005), else the file-based registry in `MLOPS_LOCAL_REGISTRY_DIR` (default
 * `.local/registry`), the laptop fallback.
 */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env, actor?: string): ModelRegistryClient {
  const url = env['REGISTRY_URL']?.trim();
  if (url) return new HttpModelRegistryClient(url, actor ? { actor } : {});
  return new LocalModelRegistryClient(env['MLOPS_LOCAL_REGISTRY_DIR']?.trim() || DEFAULT_LOCAL_REGISTRY_DIR);
}
