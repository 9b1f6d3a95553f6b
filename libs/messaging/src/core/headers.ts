/** Header names written by the producer on every event. */
export const EventHeaders = {
  eventId: 'x-event-id',
  correlationId: 'x-correlation-id',
  schemaVersion: 'x-schema-version',
  producer: 'x-producer',
} as const;

/** Header names written on a dead-lettered record (all start with `x-dlq-`). */
export const DlqHeaders = {
  reason: 'x-dlq-reason',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
  consumerGroup: 'x-dlq-consumer-group',
} as const;

export const DLQ_HEADER_PREFIX = 'x-dlq-';

/** Header names written by redrive on a replayed record. */
export const RedriveHeaders = {
  redrivenFrom: 'x-redriven-from',
  redriveCount: 'x-redrive-count',
} as const;

export type StringHeaders = Record<string, string>;

/** Header values as kafkajs hands them over (Buffer, string, arrays of them, undefined). */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Flattens kafkajs headers into strings (the last value wins for repeated headers). */
export function decodeHeaders(headers: RawHeaders | undefined): StringHeaders {
  const out: StringHeaders = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}

/** Reasons can carry user text: keep headers one line and bounded. */
export function headerSafe(text: string, maxLength = 1000): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 3)}...` : oneLine;
}
