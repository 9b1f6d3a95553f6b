import { z } from 'zod';

/** Metadata attached to a schema that holds a secret (password, key, token, webhook URL). */
export interface SecretMeta {
  readonly secret: true;
}

/** Registry of the schemas that hold secrets; {@link secretKeys} walks the config schema against it. */
export const secretRegistry = z.registry<SecretMeta>();

/**
 * Marks a schema as secret: its value is replaced by {@link REDACTED} in {@link redactConfig}.
 * Call it after `.describe()` (describe returns a new schema instance).
 */
export function secret<T extends z.ZodType>(schema: T): T {
  secretRegistry.add(schema, { secret: true });
  return schema;
}

/** The text that replaces a secret value. */
export const REDACTED = '[REDACTED]';

/** Wrappers that hold their content in `def.innerType`. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/**
 * Dotted paths of every secret-marked key reachable from `schema` (objects, optional/nullable/
 * default wrappers and pipes are walked; records contribute `*` and arrays `[]` segments).
 */
export function collectSecretPaths(schema: z.ZodType, prefix = ''): string[] {
  const out: string[] = [];
  walk(schema, prefix, out);
  return out;
}

function walk(schema: z.ZodType, path: string, out: string[]): void {
  if (secretRegistry.has(schema)) {
    out.push(path);
    return;
  }
  const def = schema.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === 'object' && schema instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(schema.shape)) {
      walk(child as z.ZodType, path === '' ? key : `${path}.${key}`, out);
    }
  } else if (WRAPPERS.has(def.type)) {
    walk(def['innerType'] as z.ZodType, path, out);
  } else if (def.type === 'pipe') {
    walk(def['in'] as z.ZodType, path, out);
  } else if (def.type === 'record') {
    walk(def['valueType'] as z.ZodType, `${path}.*`, out);
  } else if (def.type === 'array') {
    walk(def['element'] as z.ZodType, `${path}[]`, out);
  }
}

/** `scheme://user:password@host` -> `scheme://user:***@host` (every occurrence in the text). */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s/?#@]+)@/gi, '$1***@');
}
