export * from './config.schema.js';
export * from './config.error.js';
export {
  ENV_OVERRIDES,
  LOADER_VARIABLES,
  parseEnvValue,
  type EnvOverride,
  type EnvValueKind,
} from './env-overrides.js';
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export {
  configReference,
  databaseConnectionUrl,
  redactConfig,
  secretKeys,
  type ConfigKeyDoc,
} from './redact.js';
export { maskUrlPasswords, REDACTED, secret, secretRegistry } from './secret.js';
export { deepFreeze, deepMerge } from './deep-merge.js';
