import { createEvent, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { MessagingError, MessagingErrorCode } from './errors.js';
import { DLQ_HEADER_PREFIX, EventHeaders, type StringHeaders } from './headers.js';
import type { PublishOptions, PublishReceipt } from './event-bus.js';

/** A record ready for the wire. */
export interface OutboundMessage {
  topic: string;
  key: string;
  value: string;
  headers: StringHeaders;
}

/**
 * Validates the payload (throws ContractValidationError naming the topic and the bad fields),
 * builds the envelope and the record: key = `options.key ?? topic.key(payload)`, headers carry
 * eventId, correlationId, schemaVersion and producer.
 */
export function buildOutboundMessage<T extends TopicContract>(
  topic: T,
  payload: PayloadOf<T>,
  producer: string,
  options: PublishOptions = {},
): { message: OutboundMessage; receipt: PublishReceipt } {
  const event = createEvent(topic, payload, {
    producer,
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    ...(options.eventId !== undefined ? { eventId: options.eventId } : {}),
  });
  const key = options.key ?? topic.key(event.payload);
  if (typeof key !== 'string' || key.length === 0) {
    throw new MessagingError(
      MessagingErrorCode.InvalidPayload,
      `topic ${topic.name}: key(payload) returned ${JSON.stringify(key)}; the key must be a non-empty entity id`,
    );
  }
  const headers: StringHeaders = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.startsWith(DLQ_HEADER_PREFIX)) {
      throw new MessagingError(
        MessagingErrorCode.InvalidOption,
        `header "${name}": names starting with ${DLQ_HEADER_PREFIX} are reserved`,
      );
    }
    headers[name] = value;
  }
  headers[EventHeaders.eventId] = event.eventId;
  headers[EventHeaders.correlationId] = event.correlationId;
  headers[EventHeaders.schemaVersion] = String(event.schemaVersion);
  headers[EventHeaders.producer] = event.producer;
  return {
    message: { topic: topic.name, key, value: JSON.stringify(event), headers },
    receipt: { topic: topic.name, eventId: event.eventId, key },
  };
}
