import { z } from 'zod';
import { platformConfigSchema, type PlatformConfig } from './config.schema.js';
import { deepFreeze, isPlainObject } from './deep-merge.js';
import { collectSecretPaths, maskUrlPasswords, REDACTED, secretRegistry } from './secret.js';

/** Dotted paths of every secret key of the platform configuration (derived from the schema). */
export const secretKeys: readonly string[] = Object.freeze(collectSecretPaths(platformConfigSchema));

/**
 * A copy of `config` safe to log: every secret key (see {@link secretKeys}) that holds a value
 * becomes `[REDACTED]`, and `scheme://user:password@` in any string becomes `scheme://user:***@`.
 */
export function redactConfig(config: PlatformConfig): PlatformConfig {
  const copy = maskStrings(config) as Record<string, unknown>;
  for (const path of secretKeys) redactPath(copy, path.split('.'));
  return deepFreeze(copy) as PlatformConfig;
}

function maskStrings(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlPasswords(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskStrings(v);
    return out;
  }
  return value;
}

function redactPath(node: unknown, path: readonly string[]): void {
  if (!isPlainObject(node) || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  const keys = head === '*' ? Object.keys(node) : [head];
  for (const key of keys) {
    if (!(key in node)) continue;
    if (rest.length === 0) {
      if (node[key] !== null && node[key] !== undefined) node[key] = REDACTED;
    } else redactPath(node[key], rest);
  }
}

/** One documented key of the configuration. */
export interface ConfigKeyDoc {
  readonly path: string;
  readonly description: string | undefined;
  readonly secret: boolean;
}

/**
 * Every key of the schema with its description and whether it is secret, in schema order
 * (sections, then their keys). Used for the README and to check that each key is described.
 */
export function configReference(): ConfigKeyDoc[] {
  const out: ConfigKeyDoc[] = [];
  const visit = (
    schema: z.ZodType,
    path: string,
    description: string | undefined,
    isSecret: boolean,
  ): void => {
    const desc = description ?? schema.description;
    const secretHere = isSecret || secretRegistry.has(schema);
    const def = schema.def as unknown as Record<string, unknown> & { type: string };
    if (schema instanceof z.ZodObject) {
      if (path !== '') out.push({ path, description: desc, secret: secretHere });
      for (const [key, child] of Object.entries(schema.shape)) {
        visit(child as z.ZodType, path === '' ? key : `${path}.${key}`, undefined, false);
      }
      return;
    }
    if (['optional', 'nullable', 'default', 'readonly'].includes(def.type)) {
      visit(def['innerType'] as z.ZodType, path, desc, secretHere);
      return;
    }
    if (def.type === 'pipe') {
      visit(def['in'] as z.ZodType, path, desc, secretHere);
      return;
    }
    out.push({ path, description: desc, secret: secretHere });
  };
  visit(platformConfigSchema, '', undefined, false);
  return out;
}

/**
 * The PostgreSQL URL to connect with: `database.url` with its password replaced by
 * `database.password` when that is set (DATABASE_PASSWORD). Never log the result; log
 * `redactConfig(config).database.url` instead.
 */
export function databaseConnectionUrl(config: PlatformConfig): string {
  const { url, password } = config.database;
  if (password === null) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
