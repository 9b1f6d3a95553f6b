import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import { createEvent, topics, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { EventPublisher, type PublishOptions, type PublishReceipt } from '@mlops/messaging';
import { parseCsv, type Dataset } from '@mlops/ml';
import { type DatasetReader, DatasetNotFoundError } from '@mlops/service-kit';
import { derivedEventId } from './derived-event-id.js';
import { loadSuite } from './suite-loader.js';
import { ValidationResults, type StoredValidation } from './validation.repository.js';
import { ValidationService, type ValidationSettings } from './validation.service.js';

const ROOT = process.cwd();
const TELCO = readFileSync(join(ROOT, 'data', 'raw', 'customer_data.csv'), 'utf8');
const { suite } = loadSuite('config/data-quality/customer_data.suite.yaml', ROOT);
const GOOD_ID = '11111111-1111-4111-8111-111111111111';
const BAD_ID = '22222222-2222-4222-8222-222222222222';

/** The Telco CSV with row 2's tenure at -5 and row 3 a duplicate of row 1's customer id. */
function brokenTelco(): string {
  const lines = TELCO.split('\n');
  const header = (lines[0] as string).split(',');
  const tenure = header.indexOf('"tenure"');
  const row2 = (lines[2] as string).split(',');
  row2[tenure] = '-5';
  lines[2] = row2.join(',');
  const row3 = (lines[3] as string).split(',');
  row3[0] = (lines[1] as string).split(',')[0] as string;
  lines[3] = row3.join(',');
  return lines.join('\n');
}

class FakeReader implements DatasetReader {
  readonly location = 'fake';
  readonly reads: string[] = [];
  constructor(private readonly data: Record<string, Dataset>) {}
  read(datasetId: string): Promise<Dataset> {
    this.reads.push(datasetId);
    const d = this.data[datasetId];
    return d ? Promise.resolve(d) : Promise.reject(new DatasetNotFoundError(datasetId, 'fake'));
  }
}

class FakeResults extends ValidationResults {
  readonly rows: StoredValidation[] = [];
  readonly txs: unknown[] = [];
  insert(tx: never, row: Omit<StoredValidation, 'createdAt'>): Promise<StoredValidation> {
    const stored = { ...row, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, this.rows.length)) };
    this.rows.push(stored);
    this.txs.push(tx);
    return Promise.resolve(stored);
  }
  latest(datasetId: string): Promise<StoredValidation | undefined> {
    return Promise.resolve(this.rows.filter((r) => r.datasetId === datasetId).at(-1));
  }
}

class FakePublisher extends EventPublisher {
  readonly sent: { topic: string; payload: unknown; options?: PublishOptions }[] = [];
  publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    topic.schema.parse(payload); // the real publisher validates too
    this.sent.push({ topic: topic.name, payload, ...(options ? { options } : {}) });
    return Promise.resolve({ topic: topic.name, eventId: options?.eventId ?? 'x', key: topic.key(payload) });
  }
  publishMany(): Promise<PublishReceipt[]> {
    throw new Error('not used');
  }
}

function ingested(datasetId: string) {
  return createEvent(
    topics.dataIngested,
    {
      datasetId,
      datasetName: 'telco-customers',
      version: 1,
      contentHash: 'a'.repeat(64),
      rowCount: 7043,
      quarantinedCount: 0,
      columns: [{ name: 'customer_id', type: 'string' }],
      source: { kind: 'upload', fileName: 'customer_data.csv', sizeBytes: 1 },
      storedAt: '2026-03-01T00:00:00.000Z',
    },
    { producer: 'ingestion' },
  );
}

function setup(settings: Partial<ValidationSettings> = {}) {
  const reader = new FakeReader({
    [GOOD_ID]: parseCsv(TELCO).dataset,
    [BAD_ID]: parseCsv(brokenTelco()).dataset,
  });
  const results = new FakeResults();
  const publisher = new FakePublisher();
  const sut = new ValidationService(reader, results, publisher, {
    suite,
    partialUnexpectedCount: 20,
    failPipelineOnFailure: true,
    ...settings,
  });
  return { sut, reader, results, publisher };
}

describe('ValidationService', () => {
  it('passes the Telco data, stores the result through the given transaction and publishes passed=true', async () => {
    const { sut, results, publisher } = setup();
    const event = ingested(GOOD_ID);
    const tx = { marker: 'tx' };
    const payload = await sut.validateIngested(event, tx as never);
    expect(payload.passed).toBe(true);
    expect(payload.statistics).toEqual({
      evaluated: suite.expectations.length,
      successful: suite.expectations.length,
      unsuccessful: 0,
    });
    expect(results.txs).toEqual([tx]);
    expect(results.rows[0]).toMatchObject({
      datasetId: GOOD_ID,
      suiteName: 'customer_data',
      success: true,
      eventId: event.eventId,
    });
    expect(publisher.sent).toHaveLength(1);
    expect(publisher.sent[0]?.topic).toBe('mlops.data.validation-completed.v1');
    expect(publisher.sent[0]?.options).toEqual({
      correlationId: event.correlationId,
      eventId: derivedEventId(event.eventId, 'mlops.data.validation-completed.v1'),
    });
    expect(await sut.status(GOOD_ID)).toMatchObject({
      state: 'passed',
      trainable: true,
      failingExpectations: 0,
    });
  });

  it('fails a dataset with a negative tenure and a duplicate id, listing exactly those expectations', async () => {
    const { sut, publisher } = setup();
    const payload = await sut.validateIngested(ingested(BAD_ID), undefined);
    expect(payload.passed).toBe(false);
    expect(payload.statistics.unsuccessful).toBe(2);
    expect(payload.failingExpectations).toEqual([
      {
        expectationType: 'expect_column_values_to_be_unique',
        column: 'customer_id',
        unexpectedCount: 2,
        unexpectedPercent: (2 / 7043) * 100,
      },
      {
        expectationType: 'expect_column_values_to_be_between',
        column: 'tenure',
        unexpectedCount: 1,
        unexpectedPercent: (1 / 7043) * 100,
      },
    ]);
    expect(topics.dataValidationCompleted.schema.safeParse(publisher.sent[0]?.payload).success).toBe(true);
    expect(await sut.status(BAD_ID)).toMatchObject({
      state: 'failed',
      trainable: false,
      failingExpectations: 2,
    });
  });

  it('keeps a failed dataset trainable when fail_pipeline_on_failure is false', async () => {
    const { sut } = setup({ failPipelineOnFailure: false });
    await sut.validateIngested(ingested(BAD_ID), undefined);
    expect(await sut.status(BAD_ID)).toMatchObject({ state: 'failed', trainable: true });
  });

  it('says pending (not trainable) before any run, and 404 for the result and report', async () => {
    const { sut } = setup();
    expect(await sut.status(GOOD_ID)).toEqual({ datasetId: GOOD_ID, state: 'pending', trainable: false });
    await expect(sut.latest(GOOD_ID)).rejects.toBeInstanceOf(NotFoundException);
    await expect(sut.reportHtml(GOOD_ID)).rejects.toThrow(`no validation stored for dataset ${GOOD_ID}`);
  });

  it('renders the HTML report of the stored run with its profile', async () => {
    const { sut } = setup();
    await sut.validateIngested(ingested(BAD_ID), undefined);
    const html = await sut.reportHtml(BAD_ID);
    expect(html.startsWith('<!DOCTYPE html>') || html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('expect_column_values_to_be_unique');
    expect(html).toContain('monthly_charges');
  });

  it('stores and publishes nothing when the dataset cannot be read (dead-lettered by the consumer)', async () => {
    const { sut, results, publisher } = setup();
    await expect(
      sut.validateIngested(ingested('33333333-3333-4333-8333-333333333333'), undefined),
    ).rejects.toBeInstanceOf(DatasetNotFoundError);
    expect(results.rows).toEqual([]);
    expect(publisher.sent).toEqual([]);
  });
});

describe('derivedEventId', () => {
  it('is a stable RFC 9562 UUID per (event, purpose)', () => {
    const a = derivedEventId(GOOD_ID, 'x');
    expect(a).toBe(derivedEventId(GOOD_ID, 'x'));
    expect(a).not.toBe(derivedEventId(GOOD_ID, 'y'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
