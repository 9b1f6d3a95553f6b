import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import {
  ENVIRONMENTS,
  platformConfigSchema,
  type Environment,
  type PlatformConfig,
} from './config.schema.js';
import { ConfigError, ConfigIssueCode, type ConfigIssue } from './config.error.js';
import { deepFreeze, deepMerge, isPlainObject } from './deep-merge.js';
import { ENV_OVERRIDES, parseEnvValue, type EnvOverride } from './env-overrides.js';

/** Inputs of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment variables (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Folder holding config.yaml and <env>.yaml. Default: `MLOPS_CONFIG_DIR`, else the first
   * `config/` folder holding config.yaml found from the working directory upwards.
   */
  readonly configDir?: string;
}

const BASE_FILE = 'config.yaml';

/**
 * Loads the platform configuration: `config.yaml` <- `<MLOPS_ENV>.yaml` <- environment variables
 * (deep merge, later wins), validated once against the schema, then deep-frozen.
 *
 * A pure function of `options` apart from reading the two files (and the working directory when
 * no folder is given).
 * @throws ConfigError listing every problem found (files, variables and values) at once.
 */
export function loadConfig(options: LoadConfigOptions = {}): PlatformConfig {
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];

  const environment = readEnvironment(env, issues);
  const configDir = options.configDir ?? nonEmpty(env['MLOPS_CONFIG_DIR']) ?? findConfigDir(process.cwd());
  const envFile = `${environment}.yaml`;

  const base = readYaml(join(configDir, BASE_FILE), BASE_FILE, issues);
  const overlay = readYaml(join(configDir, envFile), envFile, issues);
  const applied = new Map<string, EnvOverride>();
  const fromEnv = readEnvOverrides(env, issues, applied);

  let merged = deepMerge(base, overlay);
  merged = deepMerge(merged, fromEnv);
  if (isPlainObject(merged)) merged['environment'] = environment;

  const result = platformConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...toConfigIssues(issue, overlay, envFile, applied));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return deepFreeze(result.data) as PlatformConfig;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readEnvironment(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Environment {
  const raw = nonEmpty(env['MLOPS_ENV']) ?? 'development';
  if ((ENVIRONMENTS as readonly string[]).includes(raw)) return raw as Environment;
  issues.push({
    code: ConfigIssueCode.UnknownEnvironment,
    path: 'environment',
    message: `MLOPS_ENV=${JSON.stringify(raw)} is not one of ${ENVIRONMENTS.join(', ')}`,
    source: 'env MLOPS_ENV',
  });
  return 'development';
}

/** The first `<dir>/config` holding config.yaml, from `start` upwards; `<start>/config` if none. */
function findConfigDir(start: string): string {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'config');
    if (existsSync(join(candidate, BASE_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return join(resolve(start), 'config');
    dir = parent;
  }
}

function readYaml(file: string, label: string, issues: ConfigIssue[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({
      code: ConfigIssueCode.FileMissing,
      path: '',
      message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); set MLOPS_CONFIG_DIR to the folder holding ${BASE_FILE} and the environment files`,
      source: label,
    });
    return {};
  }
  try {
    const doc: unknown = parseYaml(text);
    if (doc === null || doc === undefined) return {};
    if (!isPlainObject(doc)) {
      issues.push({
        code: ConfigIssueCode.YamlSyntax,
        path: '',
        message: 'the top level must be a mapping of sections',
        source: label,
      });
      return {};
    }
    return doc;
  } catch (err) {
    const message = err instanceof YAMLParseError ? (err.message.split('\n')[0] ?? err.message) : String(err);
    issues.push({
      code: ConfigIssueCode.YamlSyntax,
      path: '',
      message: `YAML error: ${message}`,
      source: label,
    });
    return {};
  }
}

function readEnvOverrides(
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  applied: Map<string, EnvOverride>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const override of ENV_OVERRIDES) {
    const raw = env[override.name];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = parseEnvValue(override, raw);
    if (!parsed.ok) {
      issues.push({
        code: ConfigIssueCode.EnvParse,
        path: override.path.join('.'),
        message: parsed.message,
        source: `env ${override.name}`,
      });
      continue;
    }
    setPath(out, override.path, parsed.value);
    applied.set(override.path.join('.'), override);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      cur[key] = value;
      return;
    }
    const next = cur[key];
    if (!isPlainObject(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  });
}

function toConfigIssues(
  issue: z.core.$ZodIssue,
  overlay: Record<string, unknown>,
  envFile: string,
  applied: ReadonlyMap<string, EnvOverride>,
): ConfigIssue[] {
  const base = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...base, key];
      return {
        code: ConfigIssueCode.InvalidValue,
        path: path.join('.'),
        message: 'unknown key (misspelt, or not a setting of this section)',
        source: sourceOf(path, overlay, envFile, applied),
      };
    });
  }
  return [
    {
      code: ConfigIssueCode.InvalidValue,
      path: base.join('.'),
      message: issue.message,
      source: sourceOf(base, overlay, envFile, applied),
    },
  ];
}

/** Which layer set the value at `path`: an environment variable, the environment file, or the base file. */
function sourceOf(
  path: readonly string[],
  overlay: Record<string, unknown>,
  envFile: string,
  applied: ReadonlyMap<string, EnvOverride>,
): string {
  const dotted = path.join('.');
  for (const [key, override] of applied) {
    if (key === dotted || key.startsWith(`${dotted}.`) || dotted.startsWith(`${key}.`))
      return `env ${override.name}`;
  }
  let cur: unknown = overlay;
  for (const key of path) {
    if (!isPlainObject(cur) || !(key in cur)) return BASE_FILE;
    cur = cur[key];
    if (!isPlainObject(cur)) return envFile;
  }
  return path.length > 0 ? envFile : BASE_FILE;
}
