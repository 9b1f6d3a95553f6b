/** Text that replaces a secret value in logs. */
export const REDACTED = '[REDACTED]';

/**
 * Key names whose values are never logged. The key is split into words (camelCase, `-` and `_`)
 * and matched word-wise: password, passwd, pwd, secret, token, api_key/apikey, access_key,
 * private_key, credential(s), authorization, cookie, webhook. So `dbPassword`,
 * `secret_access_key`, `slack_webhook_url` and `Authorization` are redacted; `max_tokens` and
 * `tokenizer` are not.
 */
const SECRET_WORDS =
  /(^|_)(password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|credentials?|authorization|cookie|webhook)(_|$)/;

/** True when a field of this name must be redacted. */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s.]+/g, '_')
    .toLowerCase();
  return SECRET_WORDS.test(words);
}

/** `scheme://user:password@host` -> `scheme://user:***@host`, every occurrence. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s/?#@]+)@/gi, '$1***@');
}

const MAX_DEPTH = 8;

/**
 * A JSON-safe copy of `value` with secret-named fields replaced by `[REDACTED]`, URL passwords
 * masked in every string, errors turned into `{ type, message, stack, code? }`, bigints into
 * strings, cycles into `[Circular]` and nesting beyond 8 levels into `[Truncated]`.
 */
export function redact(value: unknown): unknown {
  return walk(value, 0, new WeakSet<object>());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskUrlPasswords(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (value instanceof Date) return value.toISOString();
    if (value instanceof URL) return maskUrlPasswords(value.toString());
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((v: unknown) => walk(v, depth + 1, seen));
    if (value instanceof Map) return walk(Object.fromEntries(value), depth, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined ? REDACTED : walk(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function serializeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: maskUrlPasswords(err.message) };
  if (err.stack !== undefined) out['stack'] = maskUrlPasswords(err.stack);
  const extra = err as Error & { code?: unknown; cause?: unknown };
  if (extra.code !== undefined) out['code'] = walk(extra.code, depth + 1, seen);
  if (extra.cause !== undefined) out['cause'] = walk(extra.cause, depth + 1, seen);
  return out;
}
