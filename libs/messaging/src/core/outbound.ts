import { createEvent, type PayloadOf, type PreparedEventJson, type TopicContract } from '@mlops/contracts';
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
  writeEnvelopeHeaders(headers, event);
  return {
    message: { topic: topic.name, key, value: JSON.stringify(event), headers },
    receipt: { topic: topic.name, eventId: event.eventId, key },
  };
}

/** The envelope fields every record repeats in its headers. */
export type EnvelopeHeaderFields = Pick<PreparedEventJson, 'eventId' | 'correlationId' | 'schemaVersion' | 'producer'>;

/**
 * Writes the envelope headers of an event into `headers` (eventId, correlationId, schemaVersion,
 * producer: {@link EventHeaders}) and returns it. Every published record carries them, whichever
 * way it was built.
 */
export function writeEnvelopeHeaders(headers: StringHeaders, event: EnvelopeHeaderFields): StringHeaders {
  headers[EventHeaders.eventId] = event.eventId;
  headers[EventHeaders.correlationId] = event.correlationId;
  headers[EventHeaders.schemaVersion] = String(event.schemaVersion);
  headers[EventHeaders.producer] = event.producer;
  return headers;
}

/**
 * The record of an event a topic's own builder already serialized (for example
 * `predictionServedEventJson`): key and value as given, the envelope headers from its fields. The
 * builder validated the payload and the envelope; this only checks that the key is usable.
 */
export function buildPreparedMessage(event: PreparedEventJson): { message: OutboundMessage; receipt: PublishReceipt } {
  const { topic, key, value } = event;
  if (typeof key !== 'string' || key.length === 0) {
    throw new MessagingError(
      MessagingErrorCode.InvalidPayload,
      `topic ${topic}: prepared event ${event.eventId} has the key ${JSON.stringify(key)}; the key must be a non-empty entity id`,
    );
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new MessagingError(MessagingErrorCode.InvalidPayload, `topic ${topic}: prepared event ${event.eventId} has no value`);
  }
  return {
    message: { topic, key, value, headers: writeEnvelopeHeaders({}, event) },
    receipt: { topic, eventId: event.eventId, key },
  };
}
