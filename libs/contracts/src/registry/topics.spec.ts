import { createEvent, parseEvent, type TopicContract } from '../core/topic.js';
import { exampleOf, invalidExamplesOf } from '../testing/examples.js';
import { allTopics, topicByName, topicOfDlq, topics } from './topics.js';

const NAME = /^mlops\.[a-z]+(\.[a-z-]+)+\.v\d+$/;

/** Value at a dotted path of a payload (`predictions.0.customerId`). */
function valueAt(payload: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, part) => (v as Record<string, unknown>)[part], payload);
}

describe('topic registry', () => {
  it('declares the 22 topics of the pipeline, each once', () => {
    expect(allTopics).toHaveLength(22);
    const names = allTopics.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.values(topics)).toEqual(allTopics);
  });

  it.each(allTopics.map((t) => [t.name, t] as const))(
    '%s: name pattern, version suffix, documentation',
    (name, topic) => {
      expect(name).toMatch(NAME);
      expect(topic.version).toBe(Number(/\.v(\d+)$/.exec(name)?.[1]));
      expect(topic.description.length).toBeGreaterThan(20);
      expect(topic.keyField).not.toBe('');
      expect(topic.producers.length).toBeGreaterThan(0);
      expect(topic.consumers.length).toBeGreaterThan(0);
      expect(Object.isFrozen(topic)).toBe(true);
    },
  );

  it('finds topics by name and by dead-letter name', () => {
    for (const topic of allTopics) {
      expect(topicByName(topic.name)).toBe(topic);
      expect(topicOfDlq(`${topic.name}.dlq`)).toBe(topic);
    }
    expect(topicByName('mlops.data.ingested.v1')).toBe(topics.dataIngested);
    expect(topicByName('mlops.data.ingested.v2')).toBeUndefined();
    expect(topicOfDlq('mlops.data.ingested.v1')).toBeUndefined();
  });
});

describe.each(allTopics.map((t) => [t.name, t as TopicContract] as const))('%s', (_name, topic) => {
  it('accepts its example payload unchanged', () => {
    const example = exampleOf(topic);
    const parsed = topic.schema.safeParse(example);
    expect(parsed.error).toBeUndefined();
    expect(parsed.data).toEqual(example);
  });

  it('keys the example by its entity id', () => {
    const example = exampleOf(topic);
    const key = topic.key(example);
    expect(key.length).toBeGreaterThan(0);
    const field = topic.keyField.split(' ')[0] as string;
    expect(key).toBe(valueAt(example, field));
  });

  it('rejects each invalid example with a message naming the bad field', () => {
    const invalid = invalidExamplesOf(topic);
    expect(invalid.length).toBeGreaterThan(0);
    for (const { field, payload } of invalid) {
      const parsed = topic.schema.safeParse(payload);
      expect(parsed.success).toBe(false);
      const paths = parsed.error?.issues.map((issue) => issue.path.join('.'));
      expect(paths).toContain(field);
      const result = parseEvent(
        topic,
        JSON.stringify({ ...createEvent(topic, exampleOf(topic), { producer: 'test' }), payload }),
      );
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toContain(`${field}: `);
    }
  });

  it('rejects unknown payload fields (strict objects)', () => {
    const payload = { ...(exampleOf(topic) as Record<string, unknown>), unexpectedField: 1 };
    const parsed = topic.schema.safeParse(payload);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.message).toContain('unexpectedField');
  });

  it('round-trips createEvent -> JSON -> parseEvent', () => {
    const occurredAt = new Date('2026-03-01T12:00:00.000Z');
    const event = createEvent(topic, exampleOf(topic), {
      producer: 'contracts-test',
      occurredAt,
      correlationId: 'run-42',
    });
    expect(event.schemaVersion).toBe(topic.version);
    expect(event.occurredAt).toBe('2026-03-01T12:00:00.000Z');
    expect(event.correlationId).toBe('run-42');
    const wire = Buffer.from(JSON.stringify(event), 'utf8');
    const parsed = parseEvent(topic, wire);
    expect(parsed).toEqual({ ok: true, event });
  });
});

describe('drift events keyed by window', () => {
  it('key a window check by its reference id and need exactly one subject', () => {
    const example = exampleOf(topics.dataDriftChecked);
    const { datasetId: _dropped, ...rest } = example;
    const windowCheck = {
      ...rest,
      window: {
        modelName: 'churn-predictor',
        range: { start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' },
      },
    };
    expect(topics.dataDriftChecked.schema.parse(windowCheck)).toEqual(windowCheck);
    expect(topics.dataDriftChecked.key(windowCheck)).toBe(example.referenceId);

    const both = topics.dataDriftChecked.schema.safeParse({ ...windowCheck, datasetId: example.datasetId });
    expect(both.error?.issues.map((i) => i.message)).toContain('set exactly one of datasetId and window');
    const backwards = topics.dataDriftChecked.schema.safeParse({
      ...windowCheck,
      window: {
        modelName: 'churn-predictor',
        range: { start: '2026-03-02T00:00:00Z', end: '2026-03-01T00:00:00Z' },
      },
    });
    expect(backwards.error?.issues.map((i) => i.path.join('.'))).toEqual(['window.range.end']);
  });
});

describe('prediction served batches', () => {
  it('accept 1000 predictions and reject 1001', () => {
    const example = exampleOf(topics.predictionServed);
    const one = example.predictions[0]!;
    const batch = (n: number) => ({ ...example, predictions: Array.from({ length: n }, () => one) });
    expect(topics.predictionServed.schema.safeParse(batch(1000)).success).toBe(true);
    const tooMany = topics.predictionServed.schema.safeParse(batch(1001));
    expect(tooMany.error?.issues[0]?.path).toEqual(['predictions']);
    expect(tooMany.error?.issues[0]?.message).toContain('1000');
  });

  it('reject NaN and Infinity in numbers', () => {
    const example = exampleOf(topics.predictionServed);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const payload = structuredClone(example);
      payload.predictions[0]!.latencyMs = bad;
      const parsed = topics.predictionServed.schema.safeParse(payload);
      expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['predictions.0.latencyMs']);
    }
  });
});
