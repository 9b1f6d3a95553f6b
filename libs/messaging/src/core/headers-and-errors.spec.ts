import { ContractValidationError } from '@mlops/contracts';
import { z } from 'zod';
import { widgetTopic } from '../__fixtures__/widget.topic.js';
import { redriveHeaders } from '../redrive/redrive.js';
import {
  MessagingError,
  MessagingErrorCode,
  NonRetriableError,
  describeError,
  isRetriableByDefault,
} from './errors.js';
import { decodeHeaders, headerSafe } from './headers.js';
import { buildDlqMessage } from './message-processor.js';
import { buildOutboundMessage } from './outbound.js';

describe('isRetriableByDefault', () => {
  it('retries everything except NonRetriableError and validation errors', () => {
    expect(isRetriableByDefault(new Error('timeout'))).toBe(true);
    expect(isRetriableByDefault('a string')).toBe(true);
    expect(isRetriableByDefault(new NonRetriableError('no'))).toBe(false);
    const zodError = z.string().safeParse(1).error!;
    expect(isRetriableByDefault(zodError)).toBe(false);
    expect(isRetriableByDefault(new ContractValidationError('mlops.test.widget.v1', zodError))).toBe(false);
    expect(isRetriableByDefault(new MessagingError(MessagingErrorCode.InvalidPayload, 'bad'))).toBe(false);
  });

  it('describes errors on one line', () => {
    expect(describeError(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(describeError({ status: 'error' })).toBe('{"status":"error"}');
    expect(headerSafe('line one\nline two')).toBe('line one line two');
    expect(headerSafe('x'.repeat(2000))).toHaveLength(1000);
  });
});

describe('decodeHeaders', () => {
  it('flattens kafkajs header values to strings, last value wins', () => {
    expect(
      decodeHeaders({ a: Buffer.from('1'), b: 'two', c: [Buffer.from('x'), 'y'], d: undefined }),
    ).toEqual({ a: '1', b: 'two', c: 'y' });
    expect(decodeHeaders(undefined)).toEqual({});
  });
});

describe('buildDlqMessage / redriveHeaders', () => {
  const record = {
    topic: 'mlops.test.widget.v1',
    partition: 2,
    offset: '41',
    key: Buffer.from('w-1'),
    value: Buffer.from('{}'),
    headers: { 'x-event-id': 'e1', 'x-dlq-reason': 'old reason', 'x-redrive-count': '1' },
  };

  it('keeps the raw value, key and headers, replacing the x-dlq-* headers', () => {
    const now = new Date('2026-01-02T03:04:05.000Z');
    const message = buildDlqMessage(
      { record, reason: 'retries exhausted: Error: x', attempts: 5, consumerGroup: 'g' },
      now,
    );
    expect(message.key?.toString()).toBe('w-1');
    expect(message.value?.toString()).toBe('{}');
    expect(message.headers).toEqual({
      'x-event-id': 'e1',
      'x-redrive-count': '1',
      'x-dlq-reason': 'retries exhausted: Error: x',
      'x-dlq-original-topic': 'mlops.test.widget.v1',
      'x-dlq-original-partition': '2',
      'x-dlq-original-offset': '41',
      'x-dlq-attempts': '5',
      'x-dlq-failed-at': '2026-01-02T03:04:05.000Z',
      'x-dlq-consumer-group': 'g',
    });
  });

  it('redrive drops x-dlq-* headers and counts redrives', () => {
    const dlq = buildDlqMessage({ record, reason: 'r', attempts: 1, consumerGroup: 'g' }).headers;
    expect(redriveHeaders(dlq, 'mlops.test.widget.v1.dlq')).toEqual({
      'x-event-id': 'e1',
      'x-redrive-count': '2',
      'x-redriven-from': 'mlops.test.widget.v1.dlq',
    });
  });
});

describe('buildOutboundMessage', () => {
  const topic = widgetTopic();

  it('keys by topic.key(payload) unless overridden', () => {
    expect(buildOutboundMessage(topic, { widgetId: 'w-9', size: 1 }, 'svc').message.key).toBe('w-9');
    expect(
      buildOutboundMessage(topic, { widgetId: 'w-9', size: 1 }, 'svc', { key: 'other' }).message.key,
    ).toBe('other');
  });

  it('names the topic when the key function returns no key', () => {
    expect(() => buildOutboundMessage(topic, { widgetId: 'w', size: 1 }, 'svc', { key: '' })).toThrow(
      'topic mlops.test.widget.v1: key(payload) returned ""; the key must be a non-empty entity id',
    );
  });
});
