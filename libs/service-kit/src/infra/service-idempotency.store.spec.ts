import type { IdempotencyStore, RunOnceResult } from '@mlops/messaging';
import { ServiceIdempotencyStore } from './service-idempotency.store.js';

/** A durable store that records what it is asked and runs the effect with its own transaction. */
class RecordingStore implements IdempotencyStore<string> {
  readonly calls: { group: string; eventId: string; topic: string | undefined }[] = [];
  async runOnce<R>(
    group: string,
    eventId: string,
    effect: (tx: string) => Promise<R>,
    meta?: { topic?: string },
  ): Promise<RunOnceResult<R>> {
    this.calls.push({ group, eventId, topic: meta?.topic });
    return { duplicate: false, value: await effect('db-transaction') };
  }
}

describe('ServiceIdempotencyStore', () => {
  it('dedupes the local topics in memory, handing the effect the local transaction, without touching the durable store', async () => {
    const durable = new RecordingStore();
    const sut = new ServiceIdempotencyStore(durable, new Set(['mlops.system.ping.v1']), 'no-transaction');
    const seen: string[] = [];
    const effect = async (tx: string) => {
      seen.push(tx);
      return tx;
    };
    await expect(sut.runOnce('g', 'e1', effect, { topic: 'mlops.system.ping.v1' })).resolves.toEqual({
      duplicate: false,
      value: 'no-transaction',
    });
    await expect(sut.runOnce('g', 'e1', effect, { topic: 'mlops.system.ping.v1' })).resolves.toEqual({
      duplicate: true,
    });
    expect(seen).toEqual(['no-transaction']);
    expect(durable.calls).toEqual([]);
  });

  it('sends every other topic to the durable store with its metadata', async () => {
    const durable = new RecordingStore();
    const sut = new ServiceIdempotencyStore(durable, new Set(['mlops.system.ping.v1']), 'no-transaction');
    await expect(
      sut.runOnce('g', 'e2', async (tx) => tx, { topic: 'mlops.data.ingested.v1' }),
    ).resolves.toEqual({ duplicate: false, value: 'db-transaction' });
    await expect(sut.runOnce('g', 'e3', async (tx) => tx)).resolves.toEqual({
      duplicate: false,
      value: 'db-transaction',
    });
    expect(durable.calls).toEqual([
      { group: 'g', eventId: 'e2', topic: 'mlops.data.ingested.v1' },
      { group: 'g', eventId: 'e3', topic: undefined },
    ]);
  });
});
