import { SERVICE_NAMES } from './config.schema.js';

/** How the text of an environment variable is converted. */
export type EnvValueKind = 'string' | 'int' | 'bool' | 'list';

/** One documented environment variable and the config key it sets. */
export interface EnvOverride {
  readonly name: string;
  /** Config key path it overrides. */
  readonly path: readonly string[];
  readonly kind: EnvValueKind;
  readonly secret: boolean;
  readonly description: string;
}

/** Variables read by `loadConfig` itself (they choose files, they set no key). */
export const LOADER_VARIABLES = [
  {
    name: 'MLOPS_ENV',
    description: 'Environment: development (default), staging or production; selects config/<env>.yaml',
  },
  {
    name: 'MLOPS_CONFIG_DIR',
    description: 'Folder holding config.yaml and the environment files (default: ./config)',
  },
] as const;

const ports: EnvOverride[] = SERVICE_NAMES.map((service) => ({
  name: `${service.toUpperCase()}_HTTP_PORT`,
  path: ['services', service, 'http_port'],
  kind: 'int',
  secret: false,
  description: `HTTP port of the ${service} service`,
}));

/**
 * Every environment variable that overrides a config key, applied after the YAML files (so a
 * variable always wins). An empty variable counts as unset.
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = Object.freeze([
  {
    name: 'KAFKA_BROKERS',
    path: ['kafka', 'brokers'],
    kind: 'list',
    secret: false,
    description: 'Comma-separated host:port list',
  },
  {
    name: 'KAFKA_CLIENT_ID_PREFIX',
    path: ['kafka', 'client_id_prefix'],
    kind: 'string',
    secret: false,
    description: 'Kafka client id prefix',
  },
  {
    name: 'KAFKA_SSL',
    path: ['kafka', 'ssl'],
    kind: 'bool',
    secret: false,
    description: 'TLS to the brokers (true/false)',
  },
  {
    name: 'KAFKA_SASL_MECHANISM',
    path: ['kafka', 'sasl', 'mechanism'],
    kind: 'string',
    secret: false,
    description: 'plain, scram-sha-256 or scram-sha-512',
  },
  {
    name: 'KAFKA_SASL_USERNAME',
    path: ['kafka', 'sasl', 'username'],
    kind: 'string',
    secret: false,
    description: 'SASL user',
  },
  {
    name: 'KAFKA_SASL_PASSWORD',
    path: ['kafka', 'sasl', 'password'],
    kind: 'string',
    secret: true,
    description: 'SASL password',
  },
  {
    name: 'DATABASE_URL',
    path: ['database', 'url'],
    kind: 'string',
    secret: false,
    description: 'PostgreSQL URL (its password, if any, is masked in logs)',
  },
  {
    name: 'DATABASE_PASSWORD',
    path: ['database', 'password'],
    kind: 'string',
    secret: true,
    description: 'PostgreSQL password; replaces the one in DATABASE_URL',
  },
  {
    name: 'DATABASE_POOL_MAX',
    path: ['database', 'pool_max'],
    kind: 'int',
    secret: false,
    description: 'Connections per service',
  },
  {
    name: 'DATABASE_SSL',
    path: ['database', 'ssl'],
    kind: 'bool',
    secret: false,
    description: 'TLS to PostgreSQL (true/false)',
  },
  { name: 'REDIS_URL', path: ['redis', 'url'], kind: 'string', secret: false, description: 'Redis URL' },
  {
    name: 'REDIS_PASSWORD',
    path: ['redis', 'password'],
    kind: 'string',
    secret: true,
    description: 'Redis AUTH password',
  },
  {
    name: 'REGISTRY_URL',
    path: ['registry', 'url'],
    kind: 'string',
    secret: false,
    description: 'Registry HTTP API base URL',
  },
  {
    name: 'REGISTRY_ARTIFACT_ROOT',
    path: ['registry', 'artifact_root'],
    kind: 'string',
    secret: false,
    description: 'Local artifact folder',
  },
  {
    name: 'REGISTRY_STORAGE',
    path: ['registry', 'storage'],
    kind: 'string',
    secret: false,
    description: 'local or s3',
  },
  {
    name: 'REGISTRY_S3_ENDPOINT',
    path: ['registry', 's3', 'endpoint'],
    kind: 'string',
    secret: false,
    description: 'S3 endpoint URL',
  },
  {
    name: 'REGISTRY_S3_BUCKET',
    path: ['registry', 's3', 'bucket'],
    kind: 'string',
    secret: false,
    description: 'S3 bucket',
  },
  {
    name: 'REGISTRY_S3_REGION',
    path: ['registry', 's3', 'region'],
    kind: 'string',
    secret: false,
    description: 'S3 region',
  },
  {
    name: 'REGISTRY_S3_ACCESS_KEY',
    path: ['registry', 's3', 'access_key_id'],
    kind: 'string',
    secret: true,
    description: 'S3 access key id',
  },
  {
    name: 'REGISTRY_S3_SECRET_KEY',
    path: ['registry', 's3', 'secret_access_key'],
    kind: 'string',
    secret: true,
    description: 'S3 secret access key',
  },
  ...ports,
  {
    name: 'SERVING_GRPC_PORT',
    path: ['services', 'serving', 'grpc_port'],
    kind: 'int',
    secret: false,
    description: 'gRPC port of the serving service',
  },
  {
    name: 'SERVING_MODEL_ALIAS',
    path: ['serving', 'model_alias'],
    kind: 'string',
    secret: false,
    description: 'Alias of the served model version',
  },
  {
    name: 'SLACK_WEBHOOK_URL',
    path: ['pipeline', 'alerts', 'slack_webhook_url'],
    kind: 'string',
    secret: true,
    description: 'Slack webhook for pipeline alerts',
  },
  {
    name: 'LOG_LEVEL',
    path: ['logging', 'level'],
    kind: 'string',
    secret: false,
    description: 'trace, debug, info, warn, error or fatal',
  },
] satisfies EnvOverride[]);

/** Result of converting one variable: the value, or a message saying what is wrong. */
export type ParsedEnv = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts the text of `override`'s variable to the type of its key. */
export function parseEnvValue(override: EnvOverride, raw: string): ParsedEnv {
  const text = raw.trim();
  switch (override.kind) {
    case 'string':
      return { ok: true, value: text };
    case 'int': {
      if (!/^-?\d+$/.test(text)) {
        return { ok: false, message: `${override.name}=${JSON.stringify(raw)} is not an integer` };
      }
      return { ok: true, value: Number(text) };
    }
    case 'bool': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes'].includes(lower)) return { ok: true, value: true };
      if (['false', '0', 'no'].includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `${override.name}=${JSON.stringify(raw)} is not a boolean (true/false)` };
    }
    case 'list': {
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (items.length === 0) return { ok: false, message: `${override.name} lists no value` };
      return { ok: true, value: items };
    }
  }
}
