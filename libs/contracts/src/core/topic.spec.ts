import { z } from 'zod';
import { exampleOf } from '../testing/examples.js';
import { topics } from '../registry/topics.js';
import { ContractValidationError, createEvent, defineTopic, dlqTopicOf, parseEvent } from './topic.js';

const topic = topics.outcomeObserved;
const valid = () => createEvent(topic, exampleOf(topic), { producer: 'test' });

describe('parseEvent envelope errors', () => {
  it('rejects a bad eventId', () => {
    const result = parseEvent(topic, { ...valid(), eventId: 'not-a-uuid' });
    expect(result).toEqual({ ok: false, reason: 'envelope: eventId: Invalid UUID' });
  });

  it('rejects a schemaVersion that is not the topic version', () => {
    const result = parseEvent(topic, JSON.stringify({ ...valid(), schemaVersion: 2 }));
    expect(result).toEqual({
      ok: false,
      reason: 'schemaVersion 2 does not match topic mlops.outcome.observed.v1 (v1)',
    });
  });

  it('rejects text that is not JSON, and JSON that is not an envelope', () => {
    const text = parseEvent(topic, '{"eventId": ');
    expect(text.ok).toBe(false);
    if (!text.ok) expect(text.reason).toMatch(/^value is not JSON: /);
    const bytes = parseEvent(topic, new Uint8Array([0x7b, 0x7b]));
    expect(bytes.ok).toBe(false);
    if (!bytes.ok) expect(bytes.reason).toMatch(/^value is not JSON: /);
    const array = parseEvent(topic, '[1,2]');
    expect(array.ok).toBe(false);
    if (!array.ok) expect(array.reason).toMatch(/^envelope: \(root\): /);
  });

  it('names every missing envelope field and a bad occurredAt', () => {
    const { producer: _p, correlationId: _c, ...rest } = valid();
    const result = parseEvent(topic, { ...rest, occurredAt: '01/03/2026' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('occurredAt: ');
      expect(result.reason).toContain('producer: ');
      expect(result.reason).toContain('correlationId: ');
    }
  });

  it('reports payload errors with the payload prefix', () => {
    const result = parseEvent(topic, { ...valid(), payload: { ...exampleOf(topic), churned: 'Yes' } });
    expect(result).toEqual({
      ok: false,
      reason: 'payload: churned: Invalid input: expected boolean, received string',
    });
  });
});

describe('createEvent', () => {
  it('fills the envelope and defaults the correlation id to the event id', () => {
    const event = valid();
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.correlationId).toBe(event.eventId);
    expect(event.producer).toBe('test');
    expect(Date.parse(event.occurredAt)).not.toBeNaN();
  });

  it('throws ContractValidationError naming the bad fields', () => {
    const bad = { ...exampleOf(topic), customerId: '', churned: 1 } as unknown as z.infer<
      typeof topic.schema
    >;
    expect(() => createEvent(topic, bad, { producer: 'test' })).toThrow(ContractValidationError);
    expect(() => createEvent(topic, bad, { producer: 'test' })).toThrow(/customerId: .*; churned: /);
  });
});

describe('defineTopic', () => {
  it('reads the version from the name and freezes the contract', () => {
    const t = defineTopic({
      name: 'mlops.test.thing-done.v3',
      description: 'test',
      schema: z.strictObject({ id: z.string() }),
      key: (p) => p.id,
    });
    expect(t.version).toBe(3);
    expect(t.keyField).toBe('');
    expect(t.key({ id: 'a' })).toBe('a');
    expect(Object.isFrozen(t)).toBe(true);
  });

  it.each(['mlops.test.thing', 'mlops.Test.thing.v1', 'mlops.test.v1', 'mlops.test.thing_done.v1'])(
    'rejects the name %s',
    (name) => {
      expect(() =>
        defineTopic({ name: name as `mlops.${string}`, description: 'x', schema: z.string(), key: (p) => p }),
      ).toThrow(`topic name "${name}" must match mlops.<domain>.<event>.v<version>`);
    },
  );

  it('names the dead-letter topic', () => {
    expect(dlqTopicOf('mlops.data.ingested.v1')).toBe('mlops.data.ingested.v1.dlq');
  });
});
