import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createEvent, topics } from '@mlops/contracts';
import { loadConfig } from '@mlops/config';
import { EventPublisher, type PublishItem, type PublishReceipt } from '@mlops/messaging';
import { parseCsv, type Dataset } from '@mlops/ml';
import { MetricsRegistry } from '@mlops/observability';
import { DatasetNotFoundError, type DatasetReader } from '@mlops/service-kit';
import { driftSettingsFromConfig } from './drift-settings.js';
import { DriftStore, type ServedInput, type StoredCheck, type StoredReference } from './drift.repository.js';
import { DriftService } from './drift.service.js';

const TELCO = readFileSync(join(process.cwd(), 'data', 'raw', 'customer_data.csv'), 'utf8');
const BASE = '11111111-1111-4111-8111-111111111111';
const SHIFTED = '22222222-2222-4222-8222-222222222222';
const FAILED = '33333333-3333-4333-8333-333333333333';

/** Telco with monthly_charges * 1.5 and tenure + 24. */
function shiftedTelco(): string {
  const lines = TELCO.trimEnd().split('\n');
  const header = (lines[0] as string).split(',');
  const mc = header.indexOf('"monthly_charges"');
  const tenure = header.indexOf('"tenure"');
  return [
    lines[0],
    ...lines.slice(1).map((l) => {
      const f = l.split(',');
      f[mc] = String(Number(f[mc]) * 1.5);
      f[tenure] = String(Number(f[tenure]) + 24);
      return f.join(',');
    }),
  ].join('\n');
}

class FakeReader implements DatasetReader {
  readonly location = 'fake';
  readonly reads: string[] = [];
  constructor(private readonly data: Record<string, Dataset>) {}
  read(id: string): Promise<Dataset> {
    this.reads.push(id);
    const d = this.data[id];
    return d ? Promise.resolve(d) : Promise.reject(new DatasetNotFoundError(id, 'fake'));
  }
}

class FakeStore extends DriftStore {
  refs: StoredReference[] = [];
  checks: (Omit<StoredCheck, 'createdAt'> & { eventId: string | null; tx: unknown })[] = [];
  served: ServedInput[] = [];
  currentReference(): Promise<StoredReference | undefined> {
    return Promise.resolve(this.refs.at(-1));
  }
  setReference(_tx: unknown, datasetId: string, source: StoredReference['source']): Promise<StoredReference> {
    const r = { datasetId, source, setAt: new Date() };
    this.refs.push(r);
    return Promise.resolve(r);
  }
  saveCheck(
    tx: EntityManager | undefined,
    check: Omit<StoredCheck, 'createdAt'>,
    eventId: string | null,
  ): Promise<void> {
    this.checks.push({ ...check, eventId, tx });
    return Promise.resolve();
  }
  latestCheck(): Promise<StoredCheck | undefined> {
    throw new Error('not used');
  }
  getCheck(): Promise<StoredCheck | undefined> {
    throw new Error('not used');
  }
  addServedInputs(_tx: unknown, rows: readonly ServedInput[]): Promise<void> {
    this.served.push(...rows);
    return Promise.resolve();
  }
  servedInputs(from: Date, to: Date, limit: number): Promise<ServedInput[]> {
    const t = (s: string) => Date.parse(s);
    return Promise.resolve(
      this.served
        .filter((r) => t(r.servedAt) >= from.getTime() && t(r.servedAt) < to.getTime())
        .slice(-limit),
    );
  }
}

class FakePublisher extends EventPublisher {
  readonly sent: PublishItem[] = [];
  publish(): Promise<PublishReceipt> {
    throw new Error('not used');
  }
  publishMany(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    for (const i of items) i.topic.schema.parse(i.payload); // validated like the real publisher
    this.sent.push(...items);
    return Promise.resolve(items.map((i) => ({ topic: i.topic.name, eventId: 'x', key: 'k' })));
  }
}

/** validation-completed for a dataset: passed, or failed on the consistency rule. */
function validated(datasetId: string, passed = true) {
  const failing = passed
    ? []
    : [
        {
          expectationType: 'expect_column_pair_values_a_to_be_greater_than_b',
          columns: ['total_charges', 'monthly_charges'],
          unexpectedCount: 500,
          unexpectedPercent: 7.1,
        },
      ];
  return createEvent(
    topics.dataValidationCompleted,
    {
      datasetId,
      suiteName: 'telco-customers',
      passed,
      statistics: { evaluated: 12, successful: 12 - failing.length, unsuccessful: failing.length },
      failingExpectations: failing,
      validatedAt: '2026-03-01T00:00:00.000Z',
    },
    { producer: 'validation' },
  );
}

function setup() {
  const telco = parseCsv(TELCO).dataset;
  const reader = new FakeReader({
    [BASE]: telco,
    [SHIFTED]: parseCsv(shiftedTelco()).dataset,
    [FAILED]: telco,
  });
  const store = new FakeStore();
  const publisher = new FakePublisher();
  const metrics = new MetricsRegistry({ service: 'drift', defaultMetrics: false });
  const settings = driftSettingsFromConfig(loadConfig({ env: {} }));
  const sut = new DriftService(reader, store, publisher, metrics, settings);
  return { sut, store, publisher, metrics, telco, reads: reader.reads };
}

describe('DriftService', () => {
  it('makes the first passed dataset the reference, finds no drift against itself, emits drift-checked only', async () => {
    const { sut, store, publisher, metrics } = setup();
    const tx = { marker: 'tx' } as unknown as EntityManager;
    const outcome = await sut.onValidated(validated(BASE), tx);
    expect(outcome.kind).toBe('checked');
    if (outcome.kind !== 'checked') return;
    expect(outcome.referenceSet).toBe(true);
    expect(store.refs).toEqual([expect.objectContaining({ datasetId: BASE, source: 'first-validated' })]);
    expect(outcome.check.columns.map((c) => c.column)).not.toContain('customer_id'); // identifier left out
    expect(outcome.check.columns).toHaveLength(20);
    expect(outcome.check.columns.every((c) => !c.drifted && c.statistic === 0)).toBe(true);
    expect(store.checks[0]?.tx).toBe(tx);
    expect(publisher.sent.map((i) => i.topic.name)).toEqual(['mlops.data.drift-checked.v1']);
    const text = await metrics.metrics();
    expect(text).toContain('drift_share{service="drift"} 0');
    expect(text).toContain('drift_detected{column="tenure",service="drift"} 0');
  });

  it('detects drift on exactly the two shifted columns (Wasserstein, 7043 reference rows) and emits drift-detected', async () => {
    const { sut, publisher, metrics } = setup();
    await sut.onValidated(validated(BASE), undefined);
    const outcome = await sut.onValidated(validated(SHIFTED), undefined);
    if (outcome.kind !== 'checked') throw new Error('expected a check');
    const drifted = outcome.check.columns.filter((c) => c.drifted);
    expect(drifted.map((c) => c.column).sort()).toEqual(['monthly_charges', 'tenure']);
    expect(drifted.every((c) => c.test === 'wasserstein')).toBe(true);
    expect(outcome.check.driftedShare).toBeCloseTo(2 / 20, 12);
    expect(outcome.check.datasetDrift).toBe(false);
    const detected = publisher.sent.at(-1);
    expect(detected?.topic.name).toBe('mlops.data.drift-detected.v1');
    expect((detected?.payload as { driftedColumns: string[] }).driftedColumns.sort()).toEqual([
      'monthly_charges',
      'tenure',
    ]);
    expect(await metrics.metrics()).toContain('drift_detected{column="monthly_charges",service="drift"} 1');
  });

  it('skips a dataset that failed validation without reading it (no reference, no check, no event)', async () => {
    const { sut, store, publisher, reads } = setup();
    expect(await sut.onValidated(validated(FAILED, false), undefined)).toEqual({
      kind: 'skipped',
      reason: 'the dataset failed validation (expect_column_pair_values_a_to_be_greater_than_b)',
    });
    expect(reads).toEqual([]);
    expect(store.refs).toEqual([]);
    expect(store.checks).toEqual([]);
    expect(publisher.sent).toEqual([]);
  });

  it('checks a window of served inputs against the explicit reference', async () => {
    const { sut, store, publisher, telco } = setup();
    await sut.setReference(BASE);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const predictions = Array.from({ length: 1000 }, (_, i) => {
      const row = telco.record(i);
      const features: Record<string, string | number | null> = {};
      for (const [k, v] of Object.entries(row))
        features[k] = k === 'tenure' && typeof v === 'number' ? v + 24 : v;
      return {
        requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        modelName: 'churn-predictor',
        modelVersion: 3,
        variant: 'champion' as const,
        probability: 0.2,
        label: 0 as const,
        threshold: 0.5,
        latencyMs: 1,
        features,
        servedAt: new Date(t0 + i * 1000).toISOString(),
      };
    });
    await sut.recordServed(
      createEvent(
        topics.predictionServed,
        { batchId: '44444444-4444-4444-8444-444444444444', predictions },
        { producer: 'serving' },
      ),
      undefined,
    );
    expect(store.served).toHaveLength(1000);
    const check = await sut.checkWindow(new Date(t0), new Date(t0 + 2000 * 1000));
    expect(check.window).toEqual({
      modelName: 'churn-predictor',
      start: new Date(t0),
      end: new Date(t0 + 2000 * 1000),
    });
    expect(check.columns.filter((c) => c.drifted).map((c) => c.column)).toContain('tenure');
    expect(check.columns.find((c) => c.column === 'tenure')?.drifted).toBe(true);
    expect(publisher.sent.at(-1)?.topic.name).toBe('mlops.data.drift-detected.v1');
    await expect(sut.checkWindow(new Date(t0 + 5e6), new Date(t0 + 6e6))).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(sut.checkWindow(new Date(t0 + 6e6), new Date(t0))).rejects.toThrow('must be before');
  });

  it('refuses a window check while no reference is set', async () => {
    const { sut } = setup();
    await expect(sut.checkWindow(new Date(0), new Date(1000))).rejects.toThrow('no drift reference is set');
  });
});
