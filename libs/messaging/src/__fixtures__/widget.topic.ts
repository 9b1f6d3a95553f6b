import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineTopic } from '@mlops/contracts';

/** Lowercase letters only (topic name segments allow [a-z-]). */
export function randomSuffix(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(97 + (b % 26));
  return out;
}

/** A test-only topic: widgets keyed by widgetId. */
export function widgetTopic(suffix = 'widget') {
  return defineTopic({
    name: `mlops.test.${suffix}.v1`,
    description: 'test-only widget events',
    schema: z.strictObject({ widgetId: z.string().min(1), size: z.number().int().nonnegative() }),
    key: (payload) => payload.widgetId,
  });
}

export type WidgetTopic = ReturnType<typeof widgetTopic>;
